# Questions saved before issue 12 were rendered without tables (tabular, Markdown), text-mode escapes (\%)
# and Markdown images: render them again, as every save now does.

from django.db import migrations


def render_again(apps, schema_editor):
    from zhijiao.questions.models import rendered_parts

    Question = apps.get_model("questions", "Question")
    batch = []
    for q in Question.objects.only("qtype", "stem", "options", "analysis", "answer").iterator(chunk_size=500):
        q.rendered = rendered_parts(q.qtype, q.stem, q.options, q.analysis, q.answer)
        batch.append(q)
        if len(batch) == 500:
            Question.objects.bulk_update(batch, ["rendered"])
            batch = []
    Question.objects.bulk_update(batch, ["rendered"])


class Migration(migrations.Migration):

    dependencies = [
        ("questions", "0004_question_images"),
    ]

    operations = [
        migrations.RunPython(render_again, migrations.RunPython.noop),
    ]
