-- incremental: a daily run writes only what new loads deliver (see incremental_extract)
{% set extract = {'source': 'claims', 'raw_keys': ['claim_id'], 'staged_keys': ['claim_id'],
                  'month': month_of('reported_at'), 'month_column': 'reported_month'} %}
{{ config(**incremental_extract_config(extract)) }}

with source as (
    -- one row per claim, the latest load wins (a claim is re-delivered as it progresses)
    {{ incremental_extract(extract) }}
),

renamed as (
    select
        -- ids
        claim_id,
        policy_no,
        org_code,
        employee_id,
        -- strings
        product_line,
        decision,
        -- numerics
        claimed_amount,
        paid_amount,
        -- booleans
        investigation_required,
        -- timestamps
        reported_at,
        {{ month_of('reported_at') }} as reported_month,
        documents_complete_at,
        decided_at,
        paid_at,
        -- lineage
        _load_id as load_id,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from renamed
