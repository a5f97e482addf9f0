"""A domain message is English to the API and remembers how it was made, so a page can say
it in the reader's language, today or when a stored scan answer is replayed."""

import copy
import json
import pickle
from datetime import date

from flask_babel import force_locale

from tests.conftest import csrf_token
from warehouse import accounts, transfers
from warehouse.accounts.models import User
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.transfers.models import Transfer, TransferStatus
from warehouse.web.i18n import translate


def test_a_message_is_its_english_sentence():
    said = msg("Only {qty:,} of {sku} in {bin}.", qty=1234, sku="BOLT-M8", bin="A-01-01")
    assert said == "Only 1,234 of BOLT-M8 in A-01-01."
    assert json.dumps({"message": said}) == '{"message": "Only 1,234 of BOLT-M8 in A-01-01."}'
    assert said.template == "Only {qty:,} of {sku} in {bin}."


def test_copies_and_stored_answers_keep_the_template():
    said = msg("{sku} expires on {expiry}.", sku="GLUE-50", expiry=date(2027, 3, 1))
    for again in (copy.deepcopy(said), pickle.loads(pickle.dumps(said))):
        assert isinstance(again, Message) and again.params == said.params
    stored = json.loads(json.dumps(said.stored()))
    assert Message.from_stored(stored) == "GLUE-50 expires on 2027-03-01."
    assert Message.from_stored(stored).params["expiry"] == date(2027, 3, 1)


def test_a_page_says_values_the_readers_way(app):
    said = msg("Quantity must be 1 to {max:,}.", max=1_000_000)
    with app.test_request_context(), force_locale("pl"):
        assert translate(said).endswith("1\xa0000\xa0000.")
    with app.test_request_context(), force_locale("en"):
        assert translate(said) == "Quantity must be 1 to 1,000,000."


def test_text_that_is_not_a_message_is_shown_as_it_is(app):
    with app.test_request_context(), force_locale("es"):
        assert translate("BOLT-M8") == "BOLT-M8"
        assert translate(None) is None


def test_a_transfer_status_in_a_refusal_is_the_readers_word_and_english_to_the_api(client, auth, site):
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    # Shipped, as far as approving cares: the refusal names the status it found.
    db.session.get(Transfer, transfer.id).status = TransferStatus.IN_TRANSIT
    db.session.commit()
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}

    auth.login("supervisor")
    page = client.post(
        f"/transfers/{transfer.id}/approve",
        data={"csrf_token": csrf_token(client, "/transfers")},
        headers={"HX-Request": "true", **spanish},
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 409 and "ahora no se puede aprobar" in body
    assert "en tránsito" in body and "in transit" not in body

    token = accounts.create_token(db.session.query(User).filter_by(username="supervisor").one())
    answer = client.patch(
        f"/api/transfers/{transfer.id}",
        json={"status": "approved"},
        headers={"Authorization": f"Bearer {token}", **spanish},
    )
    assert answer.status_code == 409
    assert (
        answer.get_json()["error"]["message"]
        == f"{transfer.number} is in transit: it cannot be approved now."
    )
