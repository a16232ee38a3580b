-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'survey_responses', 'raw_keys': ['response_id'], 'staged_keys': ['response_id'],
                  'month': month_of('surveyed_at'), 'month_column': 'surveyed_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per key, the latest load wins (a correction or late-arriving update)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids (the respondent's phone stops here)
        response_id,
        complaint_id,
        service_event_id,
        org_code,
        employee_id,
        -- strings
        survey_type,
        product_line,
        contact_result,
        overall as overall_answer,
        attitude as attitude_rating,
        timeliness as timeliness_rating,
        professionalism as professionalism_rating,
        convenience as convenience_rating,
        satisfaction as satisfaction_rating,
        -- timestamps
        surveyed_at,
        {{ month_of('surveyed_at') }} as surveyed_month,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
