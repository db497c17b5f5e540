"""Console pages of the change events: webhook subscriptions (with their history) and their
deliveries (status, attempts, the last answer), where dead letters are replayed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django_tasks_db.models import DBTaskResult

from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from events.models import Delivery, Webhook
from events.webhooks import lanes, subscriptions
from foundation.admin.mixins import ServiceErrorsMixin

DEAD = Delivery.Status.DEAD

# the queue's own rows are no operator's business: the deliveries page tells what they carry
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    types = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="Glob patterns over the event type, one a line, e.g. "
                                      "tessera.authorisation.* or *.deleted; none: every type.")

    class Meta:
        model = Webhook
        fields = ("name", "url", "types", "namespace", "org_path", "tenant", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["types"] = "\n".join(self.instance.types)

    def clean_types(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["types"].splitlines() if line.strip()]


@admin.register(Webhook)
class WebhookAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "active", "type_filters", "reach", "dead_letters")
    list_filter = ("active",)
    search_fields = ("name", "url")
    change_form_template = "admin/events/webhook/change_form.html"

    def get_queryset(self, request):
        # a count per subscription (the index on status, webhook), not a join of every delivery
        dead = (Delivery.objects.filter(webhook=OuterRef("pk"), status=DEAD).order_by()
                .values("webhook").annotate(n=Count("*")).values("n"))
        return super().get_queryset(request).annotate(_dead=Coalesce(Subquery(dead), 0))

    @admin.display(description="types")
    def type_filters(self, obj: Webhook) -> str:
        return ", ".join(obj.types) or "every type"

    @admin.display(description="reach")
    def reach(self, obj: Webhook) -> str:
        named = [f"{label} {value}" for label, value in (
            ("namespace", obj.namespace), ("organization", obj.org_path),
            ("tenant", obj.tenant)) if value]
        return ", ".join(named) or "everything"

    @admin.display(description="dead letters", ordering="_dead")
    def dead_letters(self, obj: Webhook):
        if not obj._dead:
            return 0
        url = reverse("admin:events_delivery_changelist")
        return format_html('<a href="{}">{}</a>',
                           f"{url}?webhook__id__exact={obj.pk}&status__exact=dead", obj._dead)

    def save_model(self, request, obj, form, change):
        subscriptions.webhook_save(obj, created=not change)
        if not change:
            messages.warning(request, f"The signing secret of {obj.name}, shown only this "
                                      f"once: {obj.secret}")

    def delete_model(self, request, obj):
        subscriptions.webhook_delete(obj)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            subscriptions.webhook_delete(webhook)

    def get_urls(self):
        own = [
            path("<int:pk>/rotate-secret/", self.admin_site.admin_view(self.rotate_view),
                 name="events_webhook_rotate"),
            path("<int:pk>/replay-dead/", self.admin_site.admin_view(self.replay_view),
                 name="events_webhook_replay"),
        ]
        return own + super().get_urls()

    def _posted(self, request, pk: int) -> Webhook | None:
        webhook = Webhook.objects.filter(pk=pk).first()
        if request.method != "POST" or webhook is None or \
                not self.has_change_permission(request, webhook):
            return None
        return webhook

    def rotate_view(self, request, pk: int):
        webhook = self._posted(request, pk)
        if webhook is None:
            return HttpResponseRedirect(reverse("admin:events_webhook_changelist"))
        secret = subscriptions.webhook_rotate_secret(webhook)
        messages.warning(request, f"The new signing secret of {webhook.name}, shown only this "
                                  f"once: {secret}")
        return HttpResponseRedirect(reverse("admin:events_webhook_change", args=[pk]))

    def replay_view(self, request, pk: int):
        webhook = self._posted(request, pk)
        if webhook is None:
            return HttpResponseRedirect(reverse("admin:events_webhook_changelist"))
        count = lanes.replay(Delivery.objects.filter(webhook=webhook))
        messages.success(request, f"{count} dead letters of {webhook.name} sent again.")
        return HttpResponseRedirect(reverse("admin:events_webhook_change", args=[pk]))


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "webhook", "event_type", "status", "attempts", "last_answer",
                    "last_attempt_at", "next_attempt_at", "delivered_at")
    list_filter = ("status", "webhook")  # (the types: searched, not listed from every row)
    list_select_related = ("webhook",)
    search_fields = ("=record_id", "event_type", "lane")
    show_full_result_count = False
    actions = ["replay"]
    fields = ("event", "webhook", "event_type", "lane", "status", "attempts", "created_at",
              "retry_until", "last_attempt_at", "next_attempt_at", "delivered_at",
              "last_status", "last_error", "last_response")
    readonly_fields = fields

    @admin.display(description="event", ordering="record_id")
    def event(self, obj: Delivery) -> str:
        return obj.event_id

    @admin.display(description="last answer")
    def last_answer(self, obj: Delivery) -> str:
        if obj.last_status:
            return f"{obj.last_status} {obj.last_response[:60]}".strip()
        return obj.last_error[:80]

    @admin.action(description="Send the selected dead letters again")
    def replay(self, request, queryset):
        count = lanes.replay(queryset)
        self.message_user(request, f"{count} dead letters sent again.")

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("events.change_delivery"):
            actions.pop("replay", None)
        return actions
