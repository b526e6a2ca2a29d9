"""Demo subjects: where they are registered, their industry, a unique name, a legal representative."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.db.ingest import Row
from hub.demo import catalog as cat
from hub.demo.identifiers import resident_id
from hub.demo.state import GeneratorState
from hub.models import SubjectKind
from hub.personal_data import PersonalDataVault

SERIAL_SHARE = 0.03  # of subjects with a representative: headed by a serial representative
SERIAL_NEW = 0.12  # of those: the first of a new serial representative


@dataclass
class Subject:
    """A subject row and what the generator decided about it, which its records and grades follow."""

    row: Row
    prefix: str
    region: cat.Region
    industry: cat.Industry
    profile: str  # exemplary | normal | troubled
    listed: bool  # will be put on a serious-dishonesty list
    executee: bool  # will be a 失信被执行人
    base: float  # the subject's own level on the public score
    records: list[Row] = field(default_factory=list)
    marks: list[tuple[float, int]] = field(default_factory=list)  # per record: (demerit, category)


class SubjectFactory:
    def __init__(self, state: GeneratorState, vault: PersonalDataVault) -> None:
        self.state, self.rng, self.vault = state, state.rng, vault
        self.names: set[str] = set()
        self.reusable: dict[str, list[Row]] = {}  # per region: people representing one subject
        # Serial representatives: per region, people who head many businesses (a group's 实际控制人), as
        # real registers show — what the graph warning rules look across. Drawn from their own stream, so
        # the main one (and every other row of a seed) is what it was before they existed.
        self.serial: dict[str, list[Row]] = {}
        self.serial_rng = random.Random(f"serial-representatives-{state.seed}")
        self.by_prefix = {p: [i for i in cat.INDUSTRIES if p in i.names] for p, _ in cat.KIND_WEIGHTS}

    def subject(self) -> Subject:
        rng = self.rng
        region = rng.choices(cat.REGIONS, [r.weight for r in cat.REGIONS])[0]
        prefix = rng.choices([p for p, _ in cat.KIND_WEIGHTS], [w for _, w in cat.KIND_WEIGHTS])[0]
        industry = self._industry(prefix)
        name = self._name(prefix, industry, region)
        if name is None:  # every 事业单位 of the region exists already: make it an enterprise
            prefix, industry = "91", self._industry("91")
            name = self._name(prefix, industry, region) or ""
        public_batch = self.state.public_batch
        latest = min(date(2024, 12, 31), public_batch - timedelta(days=60))
        span = max((latest - date(2005, 1, 1)).days, 0)
        registered_on = date(2005, 1, 1) + timedelta(days=int(span * rng.triangular(0, 1, 0.85)))
        uscc = self.state.code(prefix, region.code, registered_on)
        roll = rng.random()
        status = "吊销" if roll < 0.02 else "注销" if roll < 0.05 else "存续"
        seasoned = registered_on <= public_batch - timedelta(days=365)
        listed = seasoned and rng.random() < 0.032
        executee = seasoned and rng.random() < (0.35 if listed else 0.022)
        profile = rng.choices(("exemplary", "normal", "troubled"), (15, 70, 15))[0]
        if listed or executee or status == "吊销":
            profile = "troubled"
        row = {"uscc": uscc, "name": name, "kind": SubjectKind.from_uscc(uscc).value,
               "region": region.code, "industry": industry.name, "status": status,
               "registered_on": registered_on, "person": self._serial(region, self._person(region, registered_on))}
        return Subject(row, prefix, region, industry, profile, listed, executee,
                       base=89 + rng.gauss(0, 4))

    def _industry(self, prefix: str) -> cat.Industry:
        industries = self.by_prefix[prefix]
        return self.rng.choices(industries, [i.weight for i in industries])[0]

    def _name(self, prefix: str, industry: cat.Industry, region: cat.Region) -> str | None:
        """A name no other subject has; None when a place-named 事业单位 has none left."""
        rng, name = self.rng, ""
        for _ in range(40):
            brand = rng.choice(cat.BRAND_CHARS) + rng.choice(cat.BRAND_CHARS)
            town, ending = rng.choice(region.towns), rng.choice(industry.names[prefix])
            if prefix == "91":
                lead = region.province if rng.random() < 0.25 else region.prefix
                name = lead + brand + ending
            elif prefix == "92":
                name = region.prefix + (town if rng.random() < 0.6 else "") + brand + ending
            elif prefix == "93":
                name = region.prefix + town + brand + ending
            elif prefix == "12":  # 事业单位 are named by place: 郏县冢头镇卫生院
                name = region.prefix + town + ending
            else:
                name = region.prefix + brand + ending
            if name not in self.names:
                break
        else:
            if prefix == "12":
                return None
            name = f"{name}（{self.state.next('name-collision', 2)}）"
        self.names.add(name)
        return name

    def _serial(self, region: cat.Region, person: Row | None) -> Row | None:
        """3 % of subjects with a representative are headed by one of the region's serial representatives
        (one of them in nine times out of ten, chosen evenly; else this subject's person becomes one)."""
        rng = self.serial_rng
        if person is None or rng.random() >= SERIAL_SHARE:
            return person
        heads = self.serial.setdefault(region.code, [])
        if heads and rng.random() >= SERIAL_NEW:
            return dict(rng.choice(heads))
        heads.append(person)
        return person

    def _person(self, region: cat.Region, registered_on: date) -> Row | None:
        rng = self.rng
        if rng.random() < 0.015:  # a few subjects have no legal representative on file
            return None
        pool = self.reusable.setdefault(region.code, [])
        if pool and rng.random() < 0.07:  # the same person heads a second business
            return dict(pool.pop(rng.randrange(len(pool))))
        male = rng.random() < 0.8
        name = rng.choices(cat.SURNAMES, cat.SURNAME_WEIGHTS)[0] + rng.choice(
            cat.MALE_NAMES if male else cat.FEMALE_NAMES)
        birth = date(rng.randint(1960, max(1960, min(1995, registered_on.year - 20))), 1, 1)
        birth += timedelta(days=rng.randrange(365))
        home = region.id_prefixes[0] if rng.random() < 0.85 else rng.choice(region.id_prefixes)
        sealed = self.vault.seal(resident_id(home, birth, rng.randrange(1, 500) * 2 - (1 if male else 0)))
        person = {"fingerprint": sealed.fingerprint, "name": name, "id_masked": sealed.masked,
                  "id_sealed": sealed.sealed}
        pool.append(person)
        return dict(person)
