"""The review page helps a reviewer (issue 16 item 8): 常用意见 to click into the opinion box
and the 已审核 history of the steps they decided."""

from issues.services.workflow import perform_action


def test_it_offers_canned_opinions_and_lists_decided_steps(cast, web, make_problem):
    decided = make_problem("closeout_review", title="已审过的问题")
    perform_action(
        problem_id=decided.pk,
        action="approve_closeout",
        actor=cast.head_a,
        data={"comment": "同意报整改办"},
    )
    make_problem("closeout_review", title="待审的问题")
    page = web(cast.head_a).get("/reviews/").content.decode()
    assert 'data-testid="phrases-approve_closeout"' in page
    assert 'data-phrase="经审核，整改措施已落实，佐证材料齐全，同意销号。"' in page
    history = page[page.index('data-testid="decided"') :]
    assert decided.code in history and "同意报整改办" in history
    # Another reviewer's history does not show it.
    other = web(cast.rev).get("/reviews/").content.decode()
    assert "同意报整改办" not in other[other.index('id="decided"') :]
