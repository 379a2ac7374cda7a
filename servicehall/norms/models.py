"""The norms catalogue: every clause of the source document, and the units' refinements."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ClauseKind, Mode, RefinementKind


class Clause(models.Model):
    """One clause of the norms (N-x.y), the prohibitions (D-xx) or the phrases (P-Wxx, P-Txx).

    Loaded by a migration from ``norms/data/norms.yaml``; the text is verbatim and is
    never edited in the application: units refine clauses with ``Refinement`` rows.
    """

    code = models.CharField(_("id"), max_length=8, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ClauseKind.choices)
    text_zh = models.TextField(_("text (Chinese, verbatim)"))
    gloss_en = models.TextField(_("English gloss"), blank=True)
    modes = models.JSONField(_("how the system carries it"), default=list)
    system_note = models.TextField(_("what implements it"), blank=True)
    moment = models.CharField(_("moment offered"), max_length=40, blank=True)
    template = models.TextField(_("template with blanks"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.code} {self.text_zh[:30]}"

    @property
    def mode_labels(self) -> list[str]:
        return [str(Mode(mode).label) for mode in self.modes if mode in Mode.values]

    def fill(self, **blanks: str) -> str:
        """The phrase with its blanks filled (P-W02: window number, name, location)."""
        if not self.template:
            return self.text_zh
        return self.template.format_map(blanks)


class Refinement(models.Model):
    """A unit's own addition: a refinement of a clause, its own clause or phrase, forbidden wording.

    Every preamble of the source document lets local units refine the norms; they do it
    here, in the admin, without code.
    """

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="refinements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RefinementKind.choices)
    clause = models.ForeignKey(
        Clause,
        verbose_name=_("clause refined"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    text = models.TextField(_("text"))
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("unit refinement")
        verbose_name_plural = _("unit refinements")
        ordering = ["unit", "kind", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == RefinementKind.REFINEMENT and not self.clause_id:
            raise ValidationError({"clause": _("A refinement names the clause it refines.")})
