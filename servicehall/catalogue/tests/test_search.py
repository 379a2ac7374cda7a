"""Search by partial Chinese words and by category and client type."""

from django.urls import reverse

from servicehall.catalogue.search import search


def names(rows):
    return [row.name for row in rows]


def test_partial_words_find_the_item(catalogue):
    found = names(search("失业金"))
    assert found[0] == "失业保险金申领" and "社会保障卡挂失与补换" not in found
    assert "社会保障卡挂失与补换" in names(search("社保卡"))
    assert "社会保障卡挂失与补换" in names(search("补卡"))


def test_an_unbroken_match_ranks_first(catalogue):
    assert names(search("失业"))[:2] == ["失业保险金申领", "失业补助金申领"]
    assert names(search("补助金"))[0] == "失业补助金申领"


def test_filter_by_category_and_client_type(catalogue):
    assert names(search("", category="SSC")) == ["社会保障卡挂失与补换"]
    assert names(search("", client_type="retiree")) == ["社会保障卡挂失与补换"]
    assert set(names(search("", category="UNEMP"))) == {"失业保险金申领", "失业补助金申领"}


def test_nothing_found_says_so(client, catalogue):
    page = client.get(reverse("catalogue:guides"), {"q": "不存在的业务"}).content.decode()
    assert "没有找到" in page


def test_search_page_lists_matches(client, catalogue):
    page = client.get(reverse("catalogue:guides"), {"q": "失业金"}).content.decode()
    assert "失业保险金申领" in page and "社会保障卡挂失与补换" not in page
