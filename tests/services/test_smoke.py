from fundtracker.ledger.queries import totals


def test_funded_project_figures(make, session):
    pledge, project = make.funded_project("10000.00")
    make.expenditure(project, "8849.56")
    figures = totals(session)
    assert figures["received"] == 1_000_000
    assert figures["allocated"] == 1_000_000
    assert figures["spent"] == 884_956
    assert figures["psc"] == 115_044
