"""What a framework file says: dimensions, their definitions and how they relate.

A framework is a value or trait system (Schwartz's values, Moral Foundations, Big Five...).
It lives in a YAML file so that users can add their own by dropping a file in a folder.
Relations say which dimensions pull together (`consistent`) and which against each other
(`opposing`); steering methods and the circumplex check read them. `circle` gives the order
around a circumplex where the theory has one.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator, model_validator

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_dimension_name(name: str) -> str:
    """`Self-Direction`, `self direction` and `self_direction` all become `self_direction`."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


class Relations(BaseModel):
    consistent: list[str] = Field(default_factory=list)
    opposing: list[str] = Field(default_factory=list)


class Dimension(BaseModel):
    id: str
    name: str
    definition: str
    keywords: list[str] = Field(min_length=1)
    relations: Relations = Field(default_factory=Relations)

    @field_validator("id")
    @classmethod
    def _id_is_snake_case(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"dimension id {value!r} must be snake_case (e.g. self_direction)")
        return value


class Framework(BaseModel):
    id: str
    name: str
    description: str
    source: str = ""
    dimensions: list[Dimension] = Field(min_length=2)
    circle: list[str] | None = None
    """Dimension ids in their order around a circumplex (adjacent ids are neighbours)."""

    @model_validator(mode="after")
    def _references_are_known(self) -> Framework:
        ids = [d.id for d in self.dimensions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate dimension ids: {', '.join(duplicates)}")
        known = set(ids)
        for dim in self.dimensions:
            for kind in ("consistent", "opposing"):
                unknown = [r for r in getattr(dim.relations, kind) if r not in known]
                if unknown:
                    raise ValueError(f"{dim.id}: {kind} names unknown dimensions {unknown}")
        if self.circle is not None and sorted(self.circle) != sorted(ids):
            raise ValueError("circle must list every dimension id exactly once")
        return self

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    def resolve(self, name: str) -> str | None:
        """The dimension id that `name` means, matched leniently, or None."""
        wanted = normalise_dimension_name(name)
        for dim in self.dimensions:
            if wanted in (dim.id, normalise_dimension_name(dim.name)):
                return dim.id
        return None
