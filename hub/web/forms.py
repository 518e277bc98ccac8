"""What every form of the hub shares: CSRF (Flask-WTF) and cleaned text."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, widgets

from hub.text import clean_block, clean_line


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
                field.errors = list(field.errors) + [message]
            else:
                self.form_errors.append(message)

    @property
    def error_list(self) -> list[tuple[str | None, str]]:
        """(field id or None, message) for the error summary at the top of the form."""
        items = [(None, message) for message in self.form_errors]
        for field in self:
            # A group of radios or checkboxes (a fieldset, which cannot take the focus) is linked
            # by its first option, as GOV.UK does: following the link puts the focus in the group.
            options = list(field) if isinstance(field, (RadioField, SelectMultipleField)) else []
            target = options[0].id if options else field.id
            for message in field.errors if isinstance(field.errors, list) else []:
                items.append((target, message))
        return items


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes: usable with a keyboard and without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown values are reported by the service with the field's name, not as a crash.
        pass
