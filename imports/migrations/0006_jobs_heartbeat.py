import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0005_import_failure'),
    ]

    operations = [
        migrations.AddField(
            model_name='import',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='import',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='import',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='import',
            name='rows_done',
            field=models.PositiveIntegerField(default=0),
        ),
        # Imports recorded before: queued when last started; a running one (or a check) beat when it started; a finished one ran once.
        migrations.RunSQL("UPDATE imports_import SET queued_at = COALESCE(started_at, created_at), heartbeat_at = CASE WHEN status IN ('running', 'checking') THEN started_at END, attempts = CASE WHEN status IN ('running', 'done', 'refused', 'cancelled', 'failed') THEN 1 ELSE 0 END, rows_done = CASE WHEN status = 'done' THEN total_rows ELSE 0 END", migrations.RunSQL.noop),
    ]
