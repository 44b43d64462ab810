-- The access schema: dashboard users and the access log (roles, grants and the row-security function are
-- (re)applied by resettle.warehouse.access.ensure_roles on every init).
-- Written with `if not exists` so that it also adopts a warehouse created before migrations were versioned.
create schema if not exists access;
revoke all on schema access from public;

create table if not exists access.dashboard_user (
    username text primary key check (username ~ '^[a-z0-9][a-z0-9_.-]{1,39}$'),
    role text not null check (role in ('leader', 'office', 'district', 'engineer')),
    district text check (district ~ '^[a-z][a-z0-9_]*$'),
    password_hash text not null,
    disabled boolean not null default false,
    created_at timestamptz not null default now(),
    disabled_at timestamptz,
    check ((role = 'district') = (district is not null))
);
comment on table access.dashboard_user is
    '看板用户 — dashboard users: role, district, scrypt password hash; disabled users cannot log in.';

create table if not exists access.access_log (
    log_id bigserial primary key,
    logged_at timestamptz not null default now(),
    username text not null,
    role text,
    event text not null,
    detail jsonb not null default '{}'
);
create index if not exists access_log_user_idx on access.access_log (username, logged_at);
comment on table access.access_log is
    '访问日志 — log-ins, failed log-ins, household-list views (with their filter) and exports.';
