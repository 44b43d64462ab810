{#- Every problem found in every file, with the file it belongs to, so a sender (a district sees its own,
    through row security on `district`) reads on the dashboard what its receipt says. The value in the cell
    is left out: it may be an ID number or a phone, and the receipt carries it. -#}
with

findings as (select * from {{ ref('stg_ops__findings') }}),

files as (select * from {{ ref('submission_files') }}),

severities as (select * from {{ ref('finding_severities') }}),

final as (
    select
        findings.finding_id,
        findings.submission_id,
        findings.finding_no,
        files.source,
        files.source_name_zh,
        files.district,
        files.dataset,
        files.dataset_title_zh,
        files.period,
        files.file_name,
        files.status,
        files.status_zh,
        findings.severity,
        severities.severity_zh,
        findings.excel_row,
        findings.column_header,
        findings.message_zh
    from findings
    inner join files on findings.submission_id = files.submission_id
    left join severities on findings.severity = severities.severity
)

select * from final
