import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('smartlists', '0005_exportjob_creation_token_smartlist_creation_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportjob',
            name='cancel_requested',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='exportjob',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('running', 'Running'), ('done', 'Ready'), ('expired', 'Expired'), ('failed', 'Failed')], default='pending', max_length=12),
        ),
        # Jobs recorded before: queued when created; a running one beat when it started.
        migrations.RunSQL("UPDATE smartlists_exportjob SET queued_at = created_at, heartbeat_at = CASE WHEN status = 'running' THEN started_at END", migrations.RunSQL.noop),
    ]
