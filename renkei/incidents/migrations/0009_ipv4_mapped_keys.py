# Keys of IPv4-mapped IPv6 addresses are now their IPv4 address (renkei/lib/rekey.py):
# rewrite those stored in the old form, in incidents and in reports' incident_key.

from django.db import migrations

from renkei.lib.rekey import rekeyed


def rekey_ipv4_mapped(apps, schema_editor):
    for model_name, app_label, field in (
        ("Incident", "incidents", "key"),
        ("Report", "intake", "incident_key"),
    ):
        model = apps.get_model(app_label, model_name)
        rows = model.objects.filter(**{f"{field}__icontains": "::ffff:"}).values_list("id", field)
        for pk, key in rows.iterator(chunk_size=2000):
            new = rekeyed(key)
            if new != key:
                model.objects.filter(pk=pk).update(**{field: new})


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_changed_index"),
        ("intake", "0005_rawreport_arrival"),
    ]

    operations = [
        migrations.RunPython(rekey_ipv4_mapped, migrations.RunPython.noop, elidable=True),
    ]
