"""The rules dbt-project-evaluator holds a dbt project to, checked on the parsed manifest (no
warehouse): names by layer, a primary-key test and a description on every model, source
freshness, and layers that read only the layer before them."""

from kefu.project import manifest

LAYER_READS = {  # what each layer may read (dbt_project/models/<layer>/), besides seeds
    "staging": {"source"},
    "intermediate": {"staging", "intermediate", "core"},
    "core": {"staging", "intermediate", "core"},
    "marts": {"intermediate", "core", "marts"},
    "reference": {"core"},  # what BI readers join the marts with (the org tree, periods, classes …)
}


def _models() -> dict[str, dict]:
    return {uid: n for uid, n in manifest()["nodes"].items() if n["resource_type"] == "model"}


def test_models_are_named_for_their_layer():
    variables = _project_vars()
    prefixes, exceptions = variables["model_prefixes"], variables["model_prefix_exceptions"]
    wrong = [
        f"{n['original_file_path']}: a {n['fqn'][1]} model's name starts with {' or '.join(prefixes[n['fqn'][1]])}"
        for n in _models().values()
        if not n["name"].startswith(tuple(prefixes[n["fqn"][1]])) and n["name"] not in exceptions
    ]
    assert not wrong, "\n".join(wrong)
    assert set(exceptions) <= {n["name"] for n in _models().values()}, "an exception names no model"


def test_every_model_has_a_primary_key_test_and_a_description():
    keyed = {
        n["attached_node"]
        for n in manifest()["nodes"].values()
        if n["resource_type"] == "test"
        and (n.get("test_metadata") or {}).get("name") in ("unique", "unique_combination")
    }
    unkeyed = [n["original_file_path"] for uid, n in _models().items() if uid not in keyed]
    assert not unkeyed, "no unique or unique_combination test (the model's primary key): " + ", ".join(unkeyed)
    undescribed = [n["original_file_path"] for n in _models().values() if not n["description"].strip()]
    assert not undescribed, "no description: " + ", ".join(undescribed)


def test_sources_declare_their_freshness():
    for source in manifest()["sources"].values():
        assert source["loaded_at_field"] == "_loaded_at", source["name"]
        if source["name"] not in ("org_units", "employees"):  # delivered on change, not daily
            assert source["freshness"]["error_after"]["count"], source["name"]


def test_each_layer_reads_only_the_layers_before_it():
    nodes = {**manifest()["nodes"], **manifest()["sources"]}
    wrong = []
    for n in _models().values():
        layer = n["fqn"][1]
        for parent in n["depends_on"]["nodes"]:
            p = nodes[parent]
            kind = (
                "source" if p["resource_type"] == "source" else p["fqn"][1] if p["resource_type"] == "model" else "seed"
            )
            if kind != "seed" and kind not in LAYER_READS[layer]:
                wrong.append(f"{n['original_file_path']} ({layer}) reads {p['name']} ({kind})")
    assert not wrong, "\n".join(wrong)


def _project_vars() -> dict:
    import yaml

    from kefu.workspace import DBT_PROJECT_DIR

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def test_a_model_kept_by_month_is_configured_by_its_one_declaration():
    """A model replaced month by month (unique_key its month) takes its config from
    kept_by_month, whose post-hook drops the months its inputs no longer hold; set by hand,
    that hook would list the inputs a second time, or be forgotten."""
    by_month = {
        n["original_file_path"]: n
        for n in _models().values()
        if n["config"]["materialized"] == "incremental" and n["fqn"][1] != "staging"
    }
    assert len(by_month) >= 14, sorted(by_month)  # the roll-ups, facts and bridges kept by month
    undeclared = [
        path
        for path, n in by_month.items()
        if "kept_by_month(" not in n["raw_code"]
        or not any("drop_emptied_months(" in hook["sql"] for hook in n["config"]["post-hook"])
    ]
    assert not undeclared, "kept by month without a kept_by_month declaration: " + ", ".join(undeclared)
