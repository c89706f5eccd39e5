"""How a comparison groups documents (search/compare.py): by year, a report on a period is
its own group, placed by its first year — not under its last year, not once per year."""
from search.compare import group_of, group_order


def test_a_period_report_is_a_group_of_its_own_placed_by_its_first_year():
    reports = {
        "five-year review": {"period": {"from": 2015, "to": 2020}, "date": "2020-07"},
        "annual 2020": {"period": {"from": 2020, "to": 2020}},
        "dated only": {"date": "2018-03-02"},
        "review 2016-2018": {"period": {"from": 2016, "to": 2018}},
        "undated": {},
    }
    groups = {}
    for name, metadata in reports.items():
        key, period = group_of(metadata, "year")
        groups.setdefault(key, {"key": key, "period": period, "names": []})["names"].append(name)
    ordered = sorted(groups.values(), key=group_order)
    assert [g["key"] for g in ordered] == ["2015–2020", "2016–2018", 2018, 2020, None]
    assert ordered[0]["names"] == ["five-year review"]  # not under 2020 with the annual report
    assert ordered[3]["names"] == ["annual 2020"]
    assert [g["period"] for g in ordered[:3]] == [{"from": 2015, "to": 2020}, {"from": 2016, "to": 2018},
                                                 {"from": 2018, "to": 2018}]


def test_places_and_types_by_name_accents_ignored_unknown_last():
    metadata = [{"province": "Quảng Ngãi"}, {}, {"province": "Bắc Giang"}, {"province": "Nghệ An"}]
    groups = [{"key": group_of(m, "province")[0], "period": group_of(m, "province")[1]} for m in metadata]
    assert [g["key"] for g in sorted(groups, key=group_order)] == ["Bắc Giang", "Nghệ An", "Quảng Ngãi", None]
    assert all(g["period"] is None for g in groups)
