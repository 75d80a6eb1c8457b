"""The contact directory: organisations' addresses, languages and OpenPGP keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from renkei.accounts.access import is_staff
from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.models import Contact
from renkei.lib.errors import PermissionDenied, ValidationError
from renkei.lib.pgp import PgpError, import_public_key

FIELDS = (
    "organisation",
    "email",
    "role",
    "country",
    "language",
    "pgp_public_key",
    "notes",
    "active",
)


def _audited(contact: Contact) -> dict[str, Any]:
    # The key itself is long; its fingerprint says which key it was.
    return {f: getattr(contact, f) for f in FIELDS if f != "pgp_public_key"} | {
        "pgp_fingerprint": contact.pgp_fingerprint
    }


def _apply(contact: Contact, data: dict[str, Any]) -> None:
    for name in FIELDS:
        if name in data:
            setattr(contact, name, data[name])
    contact.email = contact.email.strip().lower()
    contact.country = contact.country.strip().upper()
    key = contact.pgp_public_key.strip()
    contact.pgp_public_key = key
    if not key:
        contact.pgp_fingerprint = ""
        return
    try:
        contact.pgp_fingerprint = import_public_key(key, home=settings.RENKEI_GPG_HOME)
    except PgpError as exc:
        # GnuPG's reason stays in English (lib speaks to operators); the page says what failed.
        message = _("The OpenPGP key cannot be used: %(reason)s") % {"reason": exc.message}
        raise ValidationError(message) from None


@transaction.atomic
def contact_save(*, actor: User, contact: Contact | None, data: dict[str, Any]) -> Contact:
    """Create (contact=None) or update a directory entry."""
    if not is_staff(actor):
        raise PermissionDenied("only center staff edit the contact directory")
    before = None
    if contact is not None and contact.pk is not None:
        # The stored row, not `contact`: a ModelForm's is_valid() has already copied the
        # posted values onto the instance it was given.
        before = _audited(Contact.objects.select_for_update().get(pk=contact.pk))
    contact = contact or Contact()
    _apply(contact, data)
    if Contact.objects.filter(email=contact.email).exclude(pk=contact.pk).exists():
        raise ValidationError(
            _("%(email)s is already in the directory.") % {"email": contact.email}
        )
    contact.save()
    audit_log(
        actor=actor,
        action="contact.create" if before is None else "contact.update",
        obj=contact,
        before=before,
        after=_audited(contact),
    )
    return contact
