import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0011_visible_names_and_tags'),
    ]

    operations = [
        migrations.AddField(
            model_name='bulkjob',
            name='cancel_requested',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='bulkjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='bulkjob',
            name='last_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='bulkjob',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='bulkjob',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=12),
        ),
        # Jobs recorded before: queued when created; a running one beat when it started; an unfinished 'all matching' one acts on the contacts of now.
        migrations.RunSQL("UPDATE crm_bulkjob SET queued_at = created_at, heartbeat_at = CASE WHEN status = 'running' THEN started_at END; UPDATE crm_bulkjob SET last_id = (SELECT max(id) FROM crm_contact) WHERE all_matching AND status IN ('pending', 'running')", migrations.RunSQL.noop),
    ]
