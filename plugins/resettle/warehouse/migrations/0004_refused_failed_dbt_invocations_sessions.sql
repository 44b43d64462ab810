-- A file can be refused (not ours to load) or fail (our fault); the file's own modification time is kept
-- beside the time the platform first saw it; each dbt invocation is logged; dashboard log-ins get
-- server-side sessions, and a salt for hashing unknown user names lives in the warehouse.
alter table ops.submission add column if not exists file_mtime timestamptz;
comment on column ops.submission.received_at is
    'When the platform first saw the file (or its modification time when replaying a generated landing folder)';
comment on column ops.submission.file_mtime is 'The file''s modification time in the landing folder, as sent';
do $$ begin
    if not exists (select 1 from pg_constraint where conname = 'submission_status_check'
                   and pg_get_constraintdef(oid) like '%failed%') then
        alter table ops.submission drop constraint if exists submission_status_check;
        alter table ops.submission add constraint submission_status_check check (status in (
            'received', 'accepted', 'accepted_with_warnings', 'rejected', 'superseded', 'duplicate', 'refused',
            'failed'));
    end if;
end $$;

create table if not exists ops.dbt_invocation (
    invocation_id text primary key,
    command text not null,
    selected text,
    full_refresh boolean not null,
    started_at timestamptz not null default now(),
    nodes integer,
    failed integer,
    finished_at timestamptz
);
alter table ops.dbt_invocation add column if not exists nodes integer;
alter table ops.dbt_invocation add column if not exists failed integer;
alter table ops.dbt_invocation add column if not exists finished_at timestamptz;

create table if not exists access.dashboard_session (
    token_hash text primary key,
    username text not null references access.dashboard_user (username),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);
comment on table access.dashboard_session is
    '看板会话 — sessions handed out by access.log_in (only the token''s sha256 is kept).';

create table if not exists access.secret (name text primary key, value text not null);
insert into access.secret (name, value) values ('unknown_salt', md5(random()::text || clock_timestamp()::text))
on conflict do nothing;
revoke all on access.dashboard_user, access.access_log, access.dashboard_session, access.secret from public;

-- The digest of the raw tables' DDL last applied (they follow the contracts, not these migrations).
create table if not exists ops.raw_schema (
    digest text primary key,
    applied_at timestamptz not null default now()
);
