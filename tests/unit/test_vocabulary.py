"""The platform's words come from the dbt seeds: the generator's shorthand names only words the seeds hold,
and each seed answers what the code used to spell out."""

from __future__ import annotations

from resettle.devtools.generator import world
from resettle.domain import vocabulary


def test_the_generator_speaks_the_seeds_words():
    choices = vocabulary.resettlement_choices()
    shorthand = (world.EXCHANGE, world.ONSITE, world.RENTAL, world.ONSITE_PURCHASE, world.REFUND, world.UNDECIDED)
    assert set(shorthand) == set(choices)
    assert {world.EXCHANGE_UNIT, world.RENTAL_UNIT} == {c.unit_type for c in choices.values() if c.unit_type}
    assert world.agreement_for()[world.EXCHANGE] == world.EXCHANGE_AGREEMENT
    assert world.unit_type_for() == {world.EXCHANGE: world.EXCHANGE_UNIT, world.RENTAL: world.RENTAL_UNIT}


def test_what_each_choice_and_level_implies():
    choices = vocabulary.resettlement_choices()
    assert [c for c, v in choices.items() if v.is_offsite] == ["异地产权调换", "租赁住房"]
    assert [c for c, v in choices.items() if v.needs_certificate] == ["异地产权调换"]
    assert [c for c, v in choices.items() if v.is_refund] == ["退还费用"]
    assert vocabulary.handled_levels() == ("省", "进京")
    assert list(vocabulary.petition_levels()) == ["无", "区", "市", "省", "进京"]
    assert vocabulary.alerting_flags() == ("F21", "F22", "F23", "F24", "F25", "F26", "F27")
    assert vocabulary.kind_zh("flag") == "问题预警" and vocabulary.kind_zh("unknown") == "unknown"
