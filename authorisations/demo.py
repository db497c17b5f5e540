"""Demo namespaces, types, sources and authorisations for `manage.py load_demo` (idempotent)."""

from datetime import timedelta

from authorisations.models import Authorisation, AuthorisationSource, AuthorisationType, Namespace
from authorisations.services.authorisations import authorisation_create
from authorisations.services.catalog import coded_item_create, namespace_create
from authorisations.validation import clean_authorisation
from identities.models import Identity

NAMESPACES = [("demo", "Demo namespace", None), ("partners", "Partner mandates", 365)]
TYPES = [("employment", "Employment"), ("mandate", "Mandate"), ("signing", "Right to sign")]
SOURCES = [("hr", "HR system"), ("registry", "Trade registry")]


def load(stdout) -> None:
    for code, name, days in NAMESPACES:
        namespace = Namespace.objects.filter(code=code).first()
        if namespace is None:
            namespace = namespace_create(code=code, name=name, default_validity=(
                timedelta(days=days) if days else None))
            stdout.write(f"namespace {code}")
        for model, items in ((AuthorisationType, TYPES), (AuthorisationSource, SOURCES)):
            for item_code, item_name in items:
                if not model.objects.alive().filter(namespace=namespace,
                                                    code=item_code).exists():
                    coded_item_create(model=model, namespace=namespace, code=item_code,
                                      name=item_name)
    demo = Namespace.objects.get(code="demo")
    if Authorisation.objects.filter(namespace=demo).exists():
        return
    alice = Identity.objects.filter(username="alice").first()
    subject = ({"type": "user", "value": str(alice.pk)} if alice
               else {"type": "string", "value": "alice"})
    for type_code, obj in (("employment", "acme"), ("signing", "acme"), ("mandate", "globex")):
        authorisation_create(namespace=demo, data=clean_authorisation({
            "authType": type_code, "authSource": "hr", "subject": subject,
            "object": {"type": "target", "value": obj}}))
    stdout.write("authorisations: 3 in namespace demo")
