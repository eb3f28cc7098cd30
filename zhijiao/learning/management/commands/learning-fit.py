"""zhijiao learning-fit: refit the mastery model from the platform's own graded answers."""

from django.core.management.base import BaseCommand

from zhijiao.learning.actions import params_fit


class Command(BaseCommand):
    help = "Refit knowledge-tracing parameters (BKT, PFA) from graded answers, choose the better on held-out students"

    def add_arguments(self, parser):
        parser.add_argument("--min-answers", type=int, default=30)

    def handle(self, *args, **opts):
        report = params_fit(min_answers=opts["min_answers"])
        self.stdout.write(f"answers: {report['answers']}")
        for name, m in report.get("models", {}).items():
            self.stdout.write(f"  {name}: AUC {m['auc']:.4f}  RMSE {m['rmse']:.4f} (held-out students)")
        self.stdout.write(f"model in use: {report['chosen']}; knowledge points fitted: {report.get('fitted_points', 0)}")
