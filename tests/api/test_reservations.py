"""Reserve, release, fulfil and return through the API, idempotency, and 16 threads
racing for the last 10 units on PostgreSQL."""

import threading

from tests.api.conftest import Api, error_code
from tests.conftest import ORG_ID
from warehouse.availability.models import Reservation
from warehouse.core import tenancy
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.ledger.models import Movement

ORDER = {"reference_type": "order", "reference_id": "ord-1"}


def reserve(api, qty, **extra):
    return api.post(
        "/api/stock/reserve",
        {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": qty, **ORDER, **extra},
    )


def test_reserve_answers_with_the_keys_stock(api_as, stocked):
    api = api_as("operator")
    response = reserve(api, 35, ttl_seconds=600)
    assert response.status_code == 201
    body = response.get_json()
    assert sum(r["quantity"] for r in body["reservations"]) == 35
    assert all(r["expires_at"].endswith("Z") for r in body["reservations"])
    assert {(k["bin"], k["on_hand"], k["reserved"], k["available"]) for k in body["stock"]} == {
        ("A-01-01", 30, 30, 0),
        ("A-01-02", 10, 5, 5),
    }


def test_ttl_left_out_is_the_default_and_null_means_no_expiry(api, app, stocked):
    from datetime import datetime, timedelta

    default = reserve(api, 1).get_json()["reservations"][0]["expires_at"]
    minutes = app.config["RESERVATION_TTL_MINUTES"]
    expires = datetime.fromisoformat(default.rstrip("Z"))
    assert abs(expires - datetime.utcnow() - timedelta(minutes=minutes)) < timedelta(minutes=1)
    pending = api.post(
        "/api/stock/reserve",
        {
            "sku": "BOLT-M8",
            "location": "warehouse-main",
            "quantity": 1,
            "reference_type": "order",
            "reference_id": "ord-pending",
            "ttl_seconds": None,
        },
    )
    assert pending.status_code == 201 and pending.get_json()["reservations"][0]["expires_at"] is None


def test_reserving_more_than_available_is_409_with_the_seed_message(api, stocked):
    response = reserve(api, 41)
    assert response.status_code == 409
    assert error_code(response) == "insufficient_stock"
    assert response.get_json()["error"]["message"].startswith(
        "Insufficient stock available. Available: 40, Requested: 41"
    )
    assert db.session.query(Reservation).count() == 0


def test_fulfill_part_then_release_the_rest(api, stocked):
    reserve(api, 12)
    fulfilled = api.post("/api/stock/fulfill", {**ORDER, "quantity": 4})
    assert fulfilled.status_code == 200
    assert fulfilled.get_json()["quantity"] == 4
    released = api.post("/api/stock/release", ORDER).get_json()
    assert released["quantity"] == 8
    assert [(k["bin"], k["on_hand"], k["reserved"]) for k in released["stock"]] == [("A-01-01", 26, 0)]
    again = api.post("/api/stock/release", ORDER)
    assert again.status_code == 404


def test_return_books_units_back_for_a_supervisor_only(api, api_as, stocked):
    body = {
        "sku": "BOLT-M8",
        "location": "warehouse-main",
        "quantity": 2,
        **ORDER,
        "reason": "customer changed mind",
    }
    refused = api_as("operator").post("/api/stock/return", body)  # a return adds stock
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "permission_denied"
    response = api.post("/api/stock/return", body)  # a supervisor's token
    assert response.status_code == 201
    assert response.get_json()["stock"][0]["bin"] == "RCV-01"
    assert response.get_json()["stock"][0]["on_hand"] == 2


def test_an_idempotency_key_replays_the_first_answer_and_writes_once(api, stocked):
    headers = {"Idempotency-Key": "order-1-reserve"}
    first = api.post(
        "/api/stock/reserve",
        {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 3, **ORDER},
        headers=headers,
    )
    replay = api.post(
        "/api/stock/reserve",
        {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 3, **ORDER},
        headers=headers,
    )
    assert replay.status_code == first.status_code == 201
    assert replay.get_data() == first.get_data()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(Reservation).count() == 1
    other = api.post(
        "/api/stock/reserve",
        {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 4, **ORDER},
        headers=headers,
    )
    assert other.status_code == 422
    assert error_code(other) == "idempotency_key_reused"


def test_idempotency_inside_one_transaction_for_adjustments(api, stocked):
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": 5}
    first = api.post("/api/stock", body, headers={"Idempotency-Key": "adj-1"})
    replay = api.post("/api/stock", body, headers={"Idempotency-Key": "adj-1"})
    assert first.get_json() == replay.get_json()
    assert db.session.query(Movement).count() == 4
    assert db.session.query(Command).count() == 1
    assert (
        api.post("/api/stock", {**body, "quantity": 6}, headers={"Idempotency-Key": "adj-1"}).status_code
        == 422
    )
    assert api.post("/api/stock", body, headers={"Idempotency-Key": "x" * 129}).status_code == 400


def test_a_refused_write_keeps_no_key_so_a_retry_is_judged_again(api, stocked):
    body = {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": -31}
    assert api.post("/api/stock", body, headers={"Idempotency-Key": "k"}).status_code == 409
    assert db.session.query(Command).count() == 0


def test_sixteen_threads_reserving_the_last_ten_units_reserve_exactly_ten(app, client, token_for, stocked):
    """Real threads, each its own connection (PostgreSQL: row locks and guarded UPDATEs;
    SQLite: BEGIN IMMEDIATE queues the writers)."""
    token = token_for("operator")
    taken = Api(client, token_for("supervisor")).post(
        "/api/stock", {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": -30}
    )
    assert taken.status_code == 201  # 10 units left, all in A-01-02
    db.session.remove()
    statuses, start = [], threading.Barrier(16)

    def one(n):
        with app.app_context(), tenancy.acting_for(ORG_ID):
            c = app.test_client()
            start.wait()
            r = c.post(
                "/api/stock/reserve",
                json={
                    "sku": "BOLT-M8",
                    "location": "warehouse-main",
                    "quantity": 1,
                    "reference_type": "order",
                    "reference_id": f"race-{n}",
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            statuses.append(r.status_code)
            from warehouse.core.extensions import db as _db

            _db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 10 + [409] * 6
    assert sum(r.qty_open for r in db.session.query(Reservation)) == 10
    main = Api(client, token).get("/api/stock/BOLT-M8").get_json()["by_location"]
    assert next(l for l in main if l["location"] == "warehouse-main")["available"] == 0


def _race(app, token, path, body, key, n=8):
    """n threads send the same request with the same Idempotency-Key at once."""
    answers, start = [], threading.Barrier(n)

    def one():
        with app.app_context(), tenancy.acting_for(ORG_ID):
            c = app.test_client()
            start.wait()
            r = c.post(path, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            answers.append((r.status_code, r.get_data()))
            from warehouse.core.extensions import db as _db

            _db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_one_key_on_two_different_requests_at_once_writes_one_of_them(app, client, token_for, stocked):
    """A client bug: the same Idempotency-Key on a reserve and on a release sent together.
    One of them is done; the other is refused with 422 and writes nothing."""
    token = token_for("supervisor")
    api = Api(client, token)
    for round in range(4):
        ref = {"reference_type": "order", "reference_id": f"mixup-{round}"}
        assert (
            api.post(
                "/api/stock/reserve", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 2, **ref}
            ).status_code
            == 201
        )
        db.session.remove()
        requests = [
            ("/api/stock/reserve", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 1, **ref}),
            ("/api/stock/release", ref),
        ]
        answers, start = {}, threading.Barrier(2)

        def one(path, body):
            with app.app_context(), tenancy.acting_for(ORG_ID):
                start.wait()
                r = app.test_client().post(
                    path,
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"same-{round}"},
                )
                answers[path] = r.status_code
                from warehouse.core.extensions import db as _db

                _db.session.remove()

        threads = [threading.Thread(target=one, args=request) for request in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers.values()) in ([200, 422], [201, 422]), answers
        made = db.session.query(Reservation).filter_by(reference_id=f"mixup-{round}").all()
        if answers["/api/stock/reserve"] == 201:  # the reserve won: nothing was released
            assert sorted(r.qty_open for r in made) == [1, 2]
        else:  # the release won: the extra unit was never reserved
            assert [r.qty_open for r in made] == [0]
        db.session.remove()


def test_racing_retries_with_one_key_write_once_and_get_one_answer(app, client, token_for, stocked):
    token = token_for("supervisor")
    db.session.remove()
    adjusted = _race(
        app,
        token,
        "/api/stock",
        {"sku": "BOLT-M8", "location": "warehouse-main", "bin": "A-01-01", "quantity": -1},
        "same-adjust",
    )
    reserved = _race(
        app,
        token,
        "/api/stock/reserve",
        {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 2, **ORDER},
        "same-reserve",
    )
    for answers in (adjusted, reserved):
        assert {status for status, _ in answers} == {201}
        assert len({body for _, body in answers}) == 1
    assert db.session.query(Movement).filter(Movement.type == "adjustment").count() == 1
    assert sum(r.qty for r in db.session.query(Reservation)) == 2


# --- channels, carts and backorders -------------------------------------------------------


def test_a_reserve_on_a_channel_stays_within_its_atp_and_a_cart_keeps_the_organisations_ttl(api, stocked):
    from datetime import datetime, timedelta

    from warehouse.availability.models import Channel, ChannelLocation
    from warehouse.core.models import Organisation

    web = Channel(code="web", name="Web shop")
    db.session.add(web)
    db.session.flush()
    db.session.add(ChannelLocation(channel_id=web.id, location_id=stocked.main.id, buffer=30))  # ATP 10
    db.session.get(Organisation, ORG_ID).cart_ttl_minutes = 15
    db.session.commit()

    refused = reserve(api, 11, channel="web")
    unknown = reserve(api, 1, channel="tiktok")
    cart = api.post(
        "/api/stock/reserve",
        {
            "sku": "BOLT-M8",
            "location": "warehouse-main",
            "quantity": 10,
            "channel": "WEB",
            "referenceType": "cart",
            "referenceId": "c-1",
        },
    )

    assert refused.status_code == 409 and error_code(refused) == "channel_atp_exceeded"
    assert (
        "Only 10 BOLT-M8 at warehouse-main can be promised on channel web"
        in refused.get_json()["error"]["message"]
    )
    assert unknown.status_code == 404 and "GET /api/channels" in unknown.get_json()["error"]["message"]
    assert cart.status_code == 201
    rows = cart.get_json()["reservations"]
    assert {r["channel"] for r in rows} == {"web"} and sum(r["quantity"] for r in rows) == 10
    expires = datetime.fromisoformat(rows[0]["expires_at"].rstrip("Z"))
    assert abs(expires - datetime.utcnow() - timedelta(minutes=15)) < timedelta(minutes=1)
    assert reserve(api, 1, channel="web").status_code == 409  # the channel has promised its 10


def test_a_backorder_sku_takes_the_order_beyond_stock_and_a_release_cancels_what_waits(api, stocked):
    stocked.nut.allow_backorder = True
    db.session.commit()
    order = {"sku": "NUT-M8", "location": "warehouse-main", "quantity": 4, "ttl_seconds": None, **ORDER}
    cart = {**order, "ttl_seconds": 600, "reference_type": "cart"}
    assert api.post("/api/stock/reserve", cart).status_code == 409  # a cart never waits for stock

    taken = api.post("/api/stock/reserve", order, headers={"Idempotency-Key": "checkout-1"})
    again = api.post("/api/stock/reserve", order, headers={"Idempotency-Key": "checkout-1"})
    released = api.post("/api/stock/release", ORDER)

    assert taken.status_code == 201 and again.get_json() == taken.get_json()
    body = taken.get_json()
    assert body["reservations"] == []
    assert [
        (b["sku"], b["quantity"], b["quantity_waiting"], b["status"], b["position"])
        for b in body["backorders"]
    ] == [("NUT-M8", 4, 4, "on_backorder", 1)]
    assert released.status_code == 200
    assert [
        (b["status"], b["quantity_waiting"], b["position"]) for b in released.get_json()["backorders"]
    ] == [("cancelled", 0, None)]
    assert api.post("/api/stock/release", ORDER).status_code == 404  # nothing left to release
