with

ledgers as (select * from {{ ref('stg_district__project_ledgers') }}),

districts as (select * from {{ ref('districts') }}),

in_scope as (
    select *
    from ledgers
    where project_nature = '市场开发' and disposal_category between 1 and 4
),

per_district as (
    select
        district,
        period,
        count(*) as projects,
        sum(households_total) as households_total,
        sum(households_unresettled) as households_unresettled,
        array_agg(distinct submission_id order by submission_id) as submission_ids
    from in_scope
    group by district, period
),

final as (
    select
        per_district.district,
        districts.district_name_zh,
        per_district.period,
        per_district.projects,
        per_district.households_total,
        per_district.households_unresettled,
        per_district.households_total - per_district.households_unresettled as households_resettled,
        round(
            100.0 * (per_district.households_total - per_district.households_unresettled)
            / nullif(per_district.households_total, 0),
            1
        ) as percent_resettled,
        per_district.submission_ids
    from per_district
    inner join districts on per_district.district = districts.district
)

select * from final
