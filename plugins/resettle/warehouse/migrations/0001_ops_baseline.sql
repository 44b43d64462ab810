-- The ops schema: submission register, validation results, findings, due-time extensions, alert log.
-- Written with `if not exists` so that it also adopts a warehouse created before migrations were versioned.
create schema if not exists ops;
create schema if not exists raw;

create table if not exists ops.submission (
    submission_id bigserial primary key,
    source text not null,
    dataset text,
    period text not null,
    file_name text not null,
    landing_path text not null,
    sha256 text not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    archive_path text not null,
    status text not null default 'received'
        check (status in ('received', 'accepted', 'accepted_with_warnings', 'rejected', 'superseded', 'duplicate')),
    rows_total integer,
    rows_valid integer,
    errors integer not null default 0,
    warnings integer not null default 0,
    message_zh text,
    duplicate_of bigint references ops.submission (submission_id),
    superseded_by bigint references ops.submission (submission_id),
    registered_at timestamptz not null default now(),
    processed_at timestamptz,
    unique (source, period, file_name, sha256)
);
create index if not exists submission_current_idx on ops.submission (source, dataset, period, status);

create table if not exists ops.validation_result (
    submission_id bigint not null references ops.submission (submission_id),
    expectation text not null,
    check_name text not null,
    column_name text,
    severity text not null check (severity in ('error', 'warning')),
    success boolean not null,
    unexpected_count integer not null,
    primary key (submission_id, check_name, expectation, column_name)
);

create table if not exists ops.finding (
    submission_id bigint not null references ops.submission (submission_id),
    finding_no integer not null,
    severity text not null check (severity in ('error', 'warning')),
    check_name text not null,
    excel_row integer,
    column_header text,
    value text,
    message_zh text not null,
    primary key (submission_id, finding_no)
);

create table if not exists ops.due_extension (
    extension_id bigserial primary key,
    source text not null,
    period text not null,
    due_at timestamptz not null,
    granted_by text not null check (granted_by <> ''),
    reason text not null check (reason <> ''),
    granted_at timestamptz not null default now()
);
create index if not exists due_extension_idx on ops.due_extension (source, period, granted_at);

create table if not exists ops.alert (
    alert_id bigserial primary key,
    condition_key text not null,
    kind text not null check (kind in ('reminder', 'late', 'escalation', 'invalid', 'pipeline')),
    source text,
    dataset text,
    period text,
    submission_id bigint references ops.submission (submission_id),
    title_zh text not null,
    message_zh text not null,
    recipients jsonb not null default '[]',
    channel_results jsonb not null default '{}',
    sent_at timestamptz not null,
    resolved_at timestamptz
);
create index if not exists alert_condition_idx on ops.alert (condition_key, sent_at);
