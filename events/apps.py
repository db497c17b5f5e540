from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Change events"

    def ready(self) -> None:
        from audit.retention import prune
        from events.webhooks.retention import needed_before

        if needed_before not in prune.NEEDS:
            prune.NEEDS.append(needed_before)
