-- Grade bands must tile 0..∞ without gap or overlap in every version: each band ends where
-- the next one up begins.
with ordered as (
    select
        band_version,
        grade,
        min_score,
        below_score,
        lead(min_score) over (partition by band_version order by min_score desc) as next_lower_min,
        lag(min_score) over (partition by band_version order by min_score desc) as next_higher_min
    from {{ ref('grade_bands') }}
)

select * from ordered
where (next_higher_min is null and below_score is not null)
    or (next_higher_min is not null and below_score <> next_higher_min)
    or (next_lower_min is null and min_score <> 0)
