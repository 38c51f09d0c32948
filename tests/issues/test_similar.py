"""举一反三 (SPEC §12): GET /api/v1/problems/{id}/similar/ — up to 20 problems in the caller's
scope most like this one, most similar first, itself excluded, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.selectors.similar import LIMIT, bigrams, text_similarity

CANTEEN = "食堂食品安全管理不规范"
CANTEEN_DESC = "学校食堂食品留样记录缺失，从业人员健康证过期。"


def similar(api, user, problem):
    return api(user).get(f"/api/v1/problems/{problem.pk}/similar/")


@pytest.fixture
def canteen(make_problem):
    return make_problem(title=CANTEEN, description=CANTEEN_DESC)


def test_it_counts_chinese_bigrams():
    assert bigrams("食堂，卫生") == {"食堂", "堂卫", "卫生"}
    assert text_similarity(CANTEEN, CANTEEN_DESC, CANTEEN, CANTEEN_DESC) == 1.0
    assert text_similarity(CANTEEN, CANTEEN_DESC, "道路破损", "路面坑洼") == 0.0


def test_it_lists_similar_problems_in_the_contract_shape(api, cast, canteen, make_problem):
    twin = make_problem(
        lead_unit=cast.unit_b, title="食堂食品安全管理不到位", description=CANTEEN_DESC
    )
    make_problem(title="道路破损未及时修复", description="城区主干道路面坑洼。")

    response = similar(api, cast.oa, canteen)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == [twin.pk]
    row = body[0]
    assert set(row) == {"id", "code", "title", "lead_unit", "status", "similarity"}
    assert row["code"] == twin.code
    assert row["lead_unit"] == cast.unit_b.pk
    assert row["status"] == "draft"
    assert isinstance(row["similarity"], float) and 0 < row["similarity"] <= 1


def test_it_orders_by_similarity_and_excludes_the_problem_itself(api, cast, canteen, make_problem):
    near = make_problem(title="食堂食品安全管理不规范问题", description=CANTEEN_DESC)
    far = make_problem(title="食堂食品安全管理制度缺失", description="未建立食品安全管理制度。")

    body = similar(api, cast.oa, canteen).json()

    assert [row["id"] for row in body] == [near.pk, far.pk]
    assert body[0]["similarity"] > body[1]["similarity"]
    assert canteen.pk not in [row["id"] for row in body]


def test_it_never_lists_a_problem_outside_the_callers_scope(api, cast, canteen, make_problem):
    other_unit = make_problem(lead_unit=cast.unit_b, title=CANTEEN, description=CANTEEN_DESC)
    own = make_problem(title=CANTEEN, description=CANTEEN_DESC)

    mine = [row["id"] for row in similar(api, cast.admin_a, canteen).json()]
    office = [row["id"] for row in similar(api, cast.oa, canteen).json()]

    assert mine == [own.pk]
    assert set(office) == {own.pk, other_unit.pk}


def test_it_answers_404_for_a_problem_outside_scope(api, cast, make_problem):
    theirs = make_problem(lead_unit=cast.unit_b, title=CANTEEN, description=CANTEEN_DESC)

    response = similar(api, cast.admin_a, theirs)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_lists_at_most_20_in_constant_queries(api, cast, canteen, make_problem):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            body = similar(api, cast.oa, canteen).json()
        return body, len(ctx.captured_queries)

    make_problem(title=CANTEEN, description=CANTEEN_DESC)
    _, few = queries()
    for _ in range(LIMIT + 4):
        make_problem(title=CANTEEN, description=CANTEEN_DESC)
    body, many = queries()

    assert len(body) == LIMIT
    assert many == few, "the similar list must not query per row"


@pytest.mark.postgres
def test_it_ranks_with_the_trigram_index_on_postgresql(api, cast, canteen, make_problem):
    twin = make_problem(title="食堂食品安全管理不到位", description=CANTEEN_DESC)
    with CaptureQueriesContext(connection) as ctx:
        body = similar(api, cast.oa, canteen).json()

    assert [row["id"] for row in body] == [twin.pk]
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "similarity(UPPER(" in sql and "similarity_threshold" in sql
