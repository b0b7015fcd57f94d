from tests.conftest import login, page


def test_staff_member_logs_in_and_sees_people(client, riverside):
    login(client, "worker")
    response = client.get("/people")
    assert response.status_code == 200
    names = [a.get_text(" ", strip=True) for a in page(response).select(".people a")]
    assert any("Jade" in n for n in names)
    assert not any("Olu" in n for n in names)
