"""Scoring models — pure functions from a subject's facts to a score and its explanation.

A model turns :class:`~hub.grading.types.SubjectFacts` into a :class:`~hub.grading.types.Score`:
the value on its scheme's scale (or ``None`` for a categorical model), one
:class:`~hub.grading.types.Contribution` per indicator that moved it, citing the records behind it,
and the flags the grading scheme's overrides act on. The indicators and their points are data —
``catalogues/<model id>.yaml`` — because the seeds say the indicator systems are adjusted as
information and policy change (seed 000 §二.(二), seed 004 第八条); the code interprets them.

Catalogue kinds (``model:``) and the modules that read them:

- ``public_credit`` — :mod:`.public_credit`, 公共信用综合评价 on 100 points;
- ``market_risk``   — :mod:`.market_risk`, SAMR 企业信用风险分类 on 0–1000, higher riskier;
- ``industry``      — :mod:`.industry`, 行业信用评价: the public score plus weighted industry indicators;
- ``categorical``   — :mod:`.categorical`, a ``CATEGORY:`` flag instead of a score (seed 002).

Each catalogue names the schemes it scores (``schemes:``). Shipped::

    public-credit.yaml          henan-public-credit, shanxi-public-credit
    henan-market-risk.yaml      henan-market-risk
    jiaxian-food-industry.yaml  jiaxian-food-industry
    quanzhou-industry.yaml      quanzhou-industry
    heilongjiang-industry.yaml  heilongjiang-industry

Speed: everything is compiled at load (selectors, text patterns, windows); ``score()`` reads no
file and compiles nothing, so a batch of 100,000 subjects is bound by the records it walks.

Errors::

    GradingError (hub.grading.schemes)
     ├── ModelError     a catalogue is malformed or breaks a seed's rule; names the file
     ├── UnknownModel   no model scores that scheme (also a LookupError); lists the known ids
     └── ScoringError   facts a model cannot score (e.g. a public score outside its scale)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hub.errors import NotFound
from hub.grading.schemes import GradingError
from hub.grading.scoring import categorical, industry, market_risk, public_credit
from hub.grading.scoring._catalogue import (
    CATALOGUE_DIR,
    ModelError,
    Problem,
    ScoringError,
    Section,
    read_catalogue,
)
from hub.grading.types import Score, SubjectFacts

__all__ = ["CATALOGUE_DIR", "ModelError", "ModelRegistry", "ScoringError", "ScoringModel", "UnknownModel",
           "load_model"]


class UnknownModel(NotFound, GradingError):
    def __str__(self) -> str:  # LookupError would print the message quoted
        return str(self.args[0])


class ScoringModel(Protocol):
    """What the engine calls: ``score(facts)``; the rest identifies the model and its file."""

    @property
    def id(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def scheme_ids(self) -> tuple[str, ...]: ...

    def score(self, facts: SubjectFacts) -> Score: ...


_BUILDERS: dict[str, Callable[[Section, Path, str, tuple[str, ...]], ScoringModel]] = {
    "public_credit": public_credit.build,
    "market_risk": market_risk.build,
    "industry": industry.build,
    "categorical": categorical.build,
}


def load_model(path: str | os.PathLike[str]) -> ScoringModel:
    """Read, validate and compile one catalogue file; raise ModelError naming the file.

    An industry model loaded this way has no fallback public credit model bound: its facts must
    carry ``public_credit_score``. :class:`ModelRegistry` binds the fallback.
    """
    path = Path(path)
    doc = read_catalogue(path)
    try:
        model_id = doc.text("id")
        if model_id != path.stem:
            raise Problem(f"id {model_id!r} must match the file name ({path.stem}.yaml)")
        kind = doc.text("model")
        if kind not in _BUILDERS:
            raise Problem(f"model {kind!r} is not one of {', '.join(_BUILDERS)}")
        scheme_ids = doc.texts("schemes")
        if not scheme_ids:
            raise Problem("schemes must name at least one grading scheme")
        return _BUILDERS[kind](doc, path, model_id, scheme_ids)
    except Problem as problem:
        raise ModelError(path, str(problem)) from None


class ModelRegistry:
    """The scoring models a hub knows, by the id of the scheme they score.

    The catalogues shipped in the package load first; ``extra_dir`` (a department's directory)
    then adds its own, and a file there with a shipped catalogue's id replaces it — e.g. a
    ``henan-market-risk.yaml`` with the department's own list of high-attention industries. A
    scheme claimed by two catalogues of the same directory is refused; an extra catalogue claiming a
    shipped scheme takes it over.
    """

    def __init__(self, extra_dir: str | os.PathLike[str] | None = None, *,
                 catalogue_dir: str | os.PathLike[str] = CATALOGUE_DIR) -> None:
        by_id: dict[str, ScoringModel] = {}
        layers: list[list[ScoringModel]] = []
        for directory in (catalogue_dir, extra_dir):
            if directory is None:
                continue
            folder = Path(directory)
            if not folder.is_dir():
                raise ModelError(folder, "is not a directory of model catalogues (*.yaml)")
            layer = [load_model(path) for path in sorted(folder.glob("*.yaml"))]
            for model in layer:
                by_id[model.id] = model
            layers.append(layer)
        self._models: dict[str, ScoringModel] = {}
        for layer in layers:
            claimed: dict[str, ScoringModel] = {}
            for model in layer:
                if by_id[model.id] is not model:
                    continue  # replaced by a department's catalogue of the same id
                for scheme_id in model.scheme_ids:
                    if scheme_id in claimed:
                        raise ModelError(model.path, f"scheme {scheme_id!r} is already scored by "
                                         f"{claimed[scheme_id].path.name}")
                    claimed[scheme_id] = model
            self._models.update(claimed)
        for model in dict.fromkeys(self._models.values()):
            if isinstance(model, industry.IndustryModel) and model.fallback_scheme is not None:
                model.fallback = self._fallback(model)

    def _fallback(self, model: industry.IndustryModel) -> public_credit.PublicCreditModel:
        target = self._models.get(model.fallback_scheme or "")
        if not isinstance(target, public_credit.PublicCreditModel):
            raise ModelError(model.path, f"public_credit.fallback {model.fallback_scheme!r} is not a scheme scored "
                             "by a public credit model")
        if target.scale[1] != model.public_scale:
            raise ModelError(model.path, f"public_credit.scale {model.public_scale:g} differs from the scale of "
                             f"{model.fallback_scheme} ({target.scale[1]:g})")
        return target

    def get(self, scheme_id: str) -> ScoringModel:
        try:
            return self._models[scheme_id]
        except KeyError:
            known = ", ".join(sorted(self._models)) or "none"
            raise UnknownModel(f"no scoring model for scheme {scheme_id!r}; known: {known}") from None

    def scheme_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._models))

    def __contains__(self, scheme_id: object) -> bool:
        return scheme_id in self._models

    def __len__(self) -> int:
        return len(self._models)
