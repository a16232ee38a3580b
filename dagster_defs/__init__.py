"""Dagster definitions of the kefu pipeline: landing files → raw lake → dbt → checks → published marts."""
