-- a table: the claim facts and the trace read it
{{ config(materialized='table') }}

with source as (
    -- one row per claim: the latest load wins (a claim is re-delivered as it progresses)
    {{ latest_load(source('ops', 'claims'), ['claim_id']) }}
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
