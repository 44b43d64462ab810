-- noqa: disable=LT02
{#- A seed's fingerprint: its file's checksum and its column types, what decides the table it loads. It is
    recorded on the table (a seeds' post-hook) so that a monthly build reloads only the seeds a release
    changed (`resettle.warehouse.dbt_runner.stale_seeds`, which computes the same fingerprint from the
    manifest): reloading one drops it and, with it, the views built on it. -#}
{% macro seed_fingerprint(node) -%}
    {{- local_md5(node.checksum.checksum ~ tojson(node.config.column_types or {}, sort_keys=True)) -}}
{%- endmacro %}

{% macro record_seed_fingerprint() -%}
    comment on table {{ this }} is 'resettle seed {{ seed_fingerprint(model) }}'
{%- endmacro %}
