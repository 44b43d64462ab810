{{ config(schema='intermediate', materialized='view') }}

{#- The only model that reads the roster's personal columns: it replaces them with display masks and the
    loader's keyed pseudonym, so nothing downstream can carry a clear name, ID number or phone. A view: the
    mart that stores the households computes the masks of the months it builds (see the yml). -#}

with

rosters as (
    select * from {{ ref('stg_district__household_rosters') }}
),

final as (
    select
        period,
        household_code,
        submission_id,
        source_row,
        submitted_by,
        project_code,
        id_pseudonym as household_pseudonym,
        left(head_name, 1) || repeat('*', greatest(char_length(head_name) - 1, 1)) as head_name_masked,
        case
            when char_length(id_number) = 18
                then left(id_number, 6) || '********' || right(id_number, 4)
            else repeat('*', char_length(id_number))
        end as id_number_masked,
        case
            when octet_length(phone) = 11 and phone ~ '^1[3-9][0-9]*$'
                then left(phone, 3) || '****' || right(phone, 4)
            when phone ~ '^0[0-9]{2,3}-[0-9]{7,8}$'
                then
                    split_part(phone, '-', 1) || '-'
                    || repeat('*', char_length(split_part(phone, '-', 2)) - 4) || right(phone, 4)
            when octet_length(phone) between 10 and 11 and phone ~ '^0[12][0-9]*$'
                then left(phone, 3) || '-' || repeat('*', char_length(phone) - 7) || right(phone, 4)
            when octet_length(phone) between 11 and 12 and phone ~ '^0[3-9][0-9]*$'
                then left(phone, 4) || '-' || repeat('*', char_length(phone) - 8) || right(phone, 4)
            else repeat('*', char_length(phone))
        end as phone_masked,
        household_type,
        has_lawful_residence,
        resettlement_choice,
        agreement_type,
        agreement_date,
        resettled as is_resettled,
        resettled_date,
        unit_code,
        petition_level,
        refund_due,
        refund_paid,
        refund_date
    from rosters
)

select * from final
