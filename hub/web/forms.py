"""What every form of the hub shares: CSRF (Flask-WTF) and cleaned text."""
from __future__ import annotations

import re

from flask import request
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, widgets

from hub.text import clean_block, clean_line


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def strip_line(value):
    return clean_line(value) if isinstance(value, str) else value


def strip_block(value):
    return clean_block(value) if isinstance(value, str) else value


class HubForm(FlaskForm):
    """Adds domain errors (InvalidInput.errors) to the fields they name."""

    def was_sent(self) -> bool:
        """True when this form (by its prefix) is the one posted, on pages with several forms."""
        return request.method == "POST" and f"{self._prefix}csrf_token" in request.form

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None) if name else None
            if field is not None and hasattr(field, "errors"):
                if not field.errors:  # a field the form already found wrong shows that first problem
                    field.errors = [message]
            else:
                self.form_errors.append(message)

    @property
    def error_list(self) -> list[tuple[str | None, str, str]]:
        """(field id or None, field name or "", message) for the error summary at the top of the
        form: every error of every field, each named by its field, so that the summary alone says
        what to fix where ("Title: This field is required.")."""
        items = [(None, "", message) for message in self.form_errors]
        for field in self:
            # A group of radios or checkboxes (a fieldset, which cannot take the focus) is linked
            # by its first option, as GOV.UK does: following the link puts the focus in the group.
            options = list(field) if isinstance(field, (RadioField, SelectMultipleField)) else []
            target = options[0].id if options else field.id
            name = _field_name(field)
            for message in field.errors if isinstance(field.errors, list) else []:
                items.append((target, name, str(message)))
        return items


def _field_name(field) -> str:
    """The field's label without a closing "(optional)" or similar note. None for hidden fields,
    nor for a single checkbox, whose label is a sentence that its message names already."""
    if field.type in ("CSRFTokenField", "HiddenField", "BooleanField") or field.label is None:
        return ""
    return _TRAILING_NOTE.sub("", str(field.label.text)).strip()


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes: usable with a keyboard and without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown values are reported by the service with the field's name, not as a crash.
        pass
