"""The one Definitions object of the kefu pipeline."""

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job, in_process_executor

from dagster_defs.checks import gx_kpi_marts, gx_raw_complaints, raw_reconciliation
from dagster_defs.dbt import dbt_resource, kefu_dbt_models
from dagster_defs.docs import dbt_docs
from dagster_defs.ingest import ingest_assets
from dagster_defs.instance import DAGSTER_HOME_NAME  # noqa: F401  (installs the SQLite setting)
from dagster_defs.publish import published_marts
from dagster_defs.sensors import landing_sensor

pipeline_job = define_asset_job(
    "kefu_pipeline",
    selection=AssetSelection.all(),
    # one process, as `kefu build` runs it: DuckDB allows one writer, and a process per step
    # (the multiprocess default) loaded these definitions again for each of ~20 steps
    executor_def=in_process_executor,
    description="Landing files → raw Parquet lake → dbt (staging, core, KPI marts) → checks → published marts.",
)

daily_schedule = ScheduleDefinition(
    name="kefu_daily",
    job=pipeline_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    description="Every day at 06:00 Beijing time, after the overnight extracts land.",
)

defs = Definitions(
    assets=[*ingest_assets, kefu_dbt_models, published_marts, dbt_docs],
    asset_checks=[gx_raw_complaints, gx_kpi_marts, raw_reconciliation],
    jobs=[pipeline_job],
    schedules=[daily_schedule],
    sensors=[landing_sensor(pipeline_job)],
    resources={"dbt": dbt_resource()},
)
