"""The base form of the rows a community names: the name is unique in the community."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from residents import parsing, services
from residents.models import Community
from residents.phones import normalize_digits


class NamedItemForm(parsing.ModelForm):
    """A row with a name unique in its community: compounds, building groups and household
    types here, project categories, projects and teams in volunteering. Saved with
    `save_item()`."""

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.instance.community = community

    def clean_name(self) -> str:
        name = re.sub(r"\s+", " ", normalize_digits(self.cleaned_data["name"])).strip()
        if not name:
            raise ValidationError(_("请填写名称。"))
        taken = type(self.instance).objects.filter(community=self.community, name=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("本居民区已有“%(name)s”。"), params={"name": name})
        return name

    def _post_clean(self) -> None:
        self._validate_unique = False  # checked per community in clean_name
        super()._post_clean()

    def save_item(self) -> models.Model | None:
        """The valid form's row, saved by residents.services.save_named_item; None, with
        the refusal on the form, when another admin saved the same name a moment since."""
        try:
            return services.save_named_item(item=self.instance)
        except ValidationError as error:
            self.add_error(None, error)
            return None
