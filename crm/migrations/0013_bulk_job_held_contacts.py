import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0012_jobs_heartbeat'),
    ]

    operations = [
        migrations.CreateModel(
            name='BulkJobContact',
            fields=[
                ('pk', models.CompositePrimaryKey('job', 'contact_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('contact_id', models.BigIntegerField()),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='held_contacts', to='crm.bulkjob')),
            ],
        ),
        # A job still to run keeps the rows its bound gave it: every contact up to `last_id` (its
        # filter and the gate still narrow them when it runs, as before).
        migrations.RunSQL(
            "INSERT INTO crm_bulkjobcontact (job_id, contact_id) SELECT j.id, c.id FROM crm_bulkjob j"
            " JOIN crm_contact c ON c.id <= j.last_id WHERE j.all_matching AND j.status IN ('pending', 'running')",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveField(
            model_name='bulkjob',
            name='last_id',
        ),
    ]
