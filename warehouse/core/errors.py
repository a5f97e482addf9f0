"""Domain failures, named after the rule they enforce, all in this one module.

Each has a stable `code` (the API's error code; tests match on it) and a message a person
on the floor understands, saying what to do next. A refused request writes nothing.

The domain says only what kind of failure it is, by the base class:

- `InvalidPosting`: the request breaks a rule; fix it and send it again.
- `Conflict`: the state moved on (a closed task, a transfer in another status) or the
  stock is not there; look again before retrying.
- `NotFound`, `Forbidden`, `SignInRefused`, `SignInThrottled`.

The doors choose what a kind becomes: an HTTP status and an error outcome on a floor
screen (warehouse/web/errors.py `http_status`), the API's JSON error (warehouse/api/spec.py).
"""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- kinds -------------------------------------------------------------------------------


class InvalidPosting(DomainError):
    """The request breaks a rule (a quantity out of range, a lot where none belongs...)."""

    code = "invalid_posting"


class Conflict(DomainError):
    """The request was fine when it was made, but the state has moved on."""

    code = "conflict"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    """Allowed to the role, not to this person for this thing (e.g. the four-eyes rule)."""

    code = "forbidden"


class SignInRefused(DomainError):
    code = "sign_in_refused"


class SignInThrottled(DomainError):
    code = "sign_in_throttled"


# --- stock and keys ----------------------------------------------------------------------


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class IdempotencyKeyReused(Conflict):
    """The same key came with a different request."""

    code = "idempotency_key_reused"


class QuantityOutOfRange(InvalidPosting):
    """Whole units within the limit the service names (never zero where it moves stock)."""


class NothingToPost(InvalidPosting):
    """A posting, receipt or transfer needs at least one line."""


class CostNotValid(InvalidPosting):
    """A cost per unit goes with units coming in, and is not negative or absurd."""


class KeyTooLong(InvalidPosting):
    """Idempotency and request keys have a length limit."""


class NoteTooLong(InvalidPosting):
    """Notes and reasons have a length limit."""


class ReferenceMalformed(InvalidPosting):
    """A business reference is type:id, e.g. order:ord-12345."""


# --- catalog -----------------------------------------------------------------------------


class ProductInactive(InvalidPosting):
    """An inactive product is not received or reserved."""


class LotRequired(InvalidPosting):
    """A lot-tracked product moves with its lot."""


class LotNotTracked(InvalidPosting):
    """A product that is not lot-tracked takes no lot."""


class LotOfAnotherProduct(InvalidPosting):
    """The lot named belongs to another product."""


class LotCodeTooLong(InvalidPosting):
    """A lot code is 1-64 characters."""


class ExpiryRequired(InvalidPosting):
    """An expiry-tracked product's lot needs its expiry date."""


class ExpiryMismatch(InvalidPosting):
    """A known lot was scanned with another expiry date than it has."""


class ProductFieldInvalid(InvalidPosting):
    """A product's SKU, name and cost are present, of bounded length, in range."""

    code = "product_field_invalid"


class SkuTaken(InvalidPosting):
    """SKUs are unique within the organisation, whatever their case."""

    code = "sku_taken"


class BarcodeTaken(InvalidPosting):
    """A barcode names one product: a scan must know which."""

    code = "barcode_taken"


class BarcodeIsABin(InvalidPosting):
    """A product barcode may not be a bin's code or label: a scan must know which it is."""

    code = "barcode_is_a_bin"


class GtinCheckDigitWrong(InvalidPosting):
    """A GTIN's last digit checks the others (GS1 mod 10)."""

    code = "gtin_check_digit_wrong"


class PackQuantityInvalid(InvalidPosting):
    """A barcode stands for a whole number of units, at least 1."""

    code = "pack_quantity_invalid"


class TrackingLockedByStock(Conflict):
    """A product's lot and expiry tracking change only while it holds no stock."""

    code = "tracking_locked_by_stock"


class ProductHasStock(Conflict):
    """A product with stock or history is deactivated, never deleted."""

    code = "product_has_stock"


class SheetUnreadable(InvalidPosting):
    """An import reads CSV (UTF-8) or XLSX, up to 20 MB and 100,000 rows, with a header row."""

    code = "sheet_unreadable"


class ImportRowsRefused(InvalidPosting):
    """An all-or-nothing import with a bad row imports nothing."""

    code = "import_rows_refused"


class BinCapacityExceeded(InvalidPosting):
    """A bin with a capacity holds no more units than it."""

    code = "bin_capacity_exceeded"


class StockRowListedTwice(InvalidPosting):
    """Opening stock names each SKU x bin x lot once, with its total."""

    code = "stock_row_listed_twice"


class ImportNotReady(Conflict):
    """An import runs once it is checked, and only until it is done."""

    code = "import_not_ready"


class PlaceHoldsStock(Conflict):
    """A bin or location is deactivated only when empty."""

    code = "place_holds_stock"


class LocationCodeTaken(InvalidPosting):
    """Location codes are unique."""


class BinCodeTaken(InvalidPosting):
    """Bin codes are unique within a location, bin labels everywhere."""


class BinRangeInvalid(InvalidPosting):
    """A bin range whose ends do not match in shape, run backwards, or make too many."""

    code = "bin_range_invalid"


class BinNotAtLocation(InvalidPosting):
    """The bin named is at another location."""


class SetupMissing(InvalidPosting):
    """The warehouse lacks what the workflow needs (a receiving bin, a transit location)."""


class UnknownScan(NotFound):
    code = "unknown_scan"


class AmbiguousScan(Conflict):
    code = "ambiguous_scan"


class SkuListedTwice(InvalidPosting):
    """A bulk call names each SKU once: a second line for it would overwrite the first."""

    code = "sku_listed_twice"


class InventoryNotTracked(InvalidPosting):
    """A product that does not track inventory (a service) holds no stock."""

    code = "inventory_not_tracked"


# --- accounts ----------------------------------------------------------------------------


class OrganisationCodeTaken(Conflict):
    code = "organisation_code_taken"


class OrganisationCodeInvalid(InvalidPosting):
    code = "organisation_code_invalid"


class NoSuchOrganisation(NotFound):
    code = "no_such_organisation"


class OrganisationNotNamed(InvalidPosting):
    """Several organisations: a command that works on one must be told which."""

    code = "organisation_not_named"


class UsernameTaken(InvalidPosting):
    """Usernames are unique, whatever their case."""


class PasswordTooShort(InvalidPosting):
    """Passwords are at least 8 characters."""


class UserNotFound(NotFound):
    """No such user in this organisation (another organisation's users are not found)."""

    code = "user_not_found"


class UserInactive(SignInRefused):
    """A deactivated user's API tokens and sessions stop working."""

    code = "user_inactive"


class RoleUnknown(InvalidPosting):
    """A role is operator, supervisor or admin."""

    code = "role_unknown"


class LastAdmin(Conflict):
    """An organisation keeps at least one active admin: the last is not demoted or deactivated."""

    code = "last_admin"


class SelfDeactivation(Forbidden):
    """An admin does not deactivate their own account (another admin does)."""

    code = "self_deactivation"


class PinInvalid(InvalidPosting):
    """A PIN is 4-8 digits."""

    code = "pin_invalid"


class BadgeCodeInvalid(InvalidPosting):
    """A badge code is 1-64 printable ASCII characters without spaces."""

    code = "badge_code_invalid"


class BadgeCodeTaken(InvalidPosting):
    """Badge codes are unique across organisations: a badge sign-in names no organisation."""

    code = "badge_code_taken"


# --- workflows ---------------------------------------------------------------------------


class ReceiptClosed(Conflict):
    code = "receipt_closed"


class WrongBin(Conflict):
    """Put-away goes to the bin scanned for the task, at the task's location."""

    code = "wrong_bin"


class AlreadyPutAway(Conflict):
    code = "already_put_away"


class TransferWrongState(Conflict):
    """A transfer moves only along its state machine (draft -> approved -> ...)."""

    code = "transfer_wrong_state"


class PickRefused(Conflict):
    code = "pick_refused"


class CountRefused(Conflict):
    code = "count_refused"


class FourEyes(Forbidden):
    """A count is reviewed by someone other than its counter; a stock request is decided
    by someone other than the person who asked for it."""

    code = "four_eyes"


class ReservationChanged(Conflict):
    code = "reservation_changed"


class LotExpired(Conflict):
    """An expired lot is never reserved or shipped."""

    code = "lot_expired"


class HoldClosed(Conflict):
    code = "hold_closed"


class NotExpired(Conflict):
    code = "lot_not_expired"


class AlertRefused(Conflict):
    code = "alert_refused"


class InvalidAlertSetting(DomainError):
    code = "invalid_alert_setting"


class NotTheRequester(Forbidden):
    """Only whoever asked for stock changes, submits or rolls back their request."""

    code = "not_the_requester"


class NotAllowed(Forbidden):
    code = "not_allowed"


class WebhookRefused(Conflict):
    code = "webhook_refused"


class InvalidSubscription(DomainError):
    code = "invalid_webhook_subscription"


class PolicyListedTwice(InvalidPosting):
    """A list of reorder policies names each SKU x location once."""

    code = "policy_listed_twice"


class MaxLevelBelowReorderPoint(InvalidPosting):
    """A policy's max level, when set, is at or above its reorder point."""

    code = "max_level_below_reorder_point"


class PolicyFigureOutOfRange(InvalidPosting):
    """A policy's figures are whole numbers from 0 (lead time up to 3,650 days)."""

    code = "policy_figure_out_of_range"


class PoliciesRefused(InvalidPosting):
    """A list of reorder policies is saved whole or not at all: `details` names each
    refused line ({"items": [{index, sku, location, code, message}]})."""

    code = "policies_refused"

    def __init__(self, message: str, problems: list[dict]):
        super().__init__(message)
        self.details = {"items": problems}


# --- rules that were one-off refusals ---------------------------------------------------
# Each keeps the code of its kind (the API's error codes are unchanged).


class MovementTypeNotAdjustable(InvalidPosting):
    """An adjustment carries only the movement types adjustments may carry."""


class QuantitySignWrong(InvalidPosting):
    """A purchase adds stock and a sale removes it: the quantity's sign must say so."""


class BinNotNamed(InvalidPosting):
    """A count without a bin needs the product to be in exactly one bin of the location."""


class StockChangedWhilePosting(InvalidPosting):
    """A balance key was created and changed under a posting twice in a row."""


class RetentionTooShort(InvalidPosting):
    """Pruning keeps at least a day: clients retry within hours."""


class DaysOutOfRange(InvalidPosting):
    """A window or a horizon in days outside what the report or list allows."""


class ReorderPointOutOfRange(InvalidPosting):
    """A reorder point is a whole number, and not above the policy's max level."""


class UsernameInvalid(InvalidPosting):
    """A username is 1-64 characters."""


class TokenReferenceInvalid(InvalidPosting):
    """A token is named by itself or by its first 10 characters."""


class LocationNotOffered(InvalidPosting):
    """A choice of location must be one of the locations offered (active, not transit)."""


class LanguageNotOffered(InvalidPosting):
    """A user's language is one the app has a catalogue for."""


class UnknownPermission(InvalidPosting):
    """A token's scopes are names of permissions."""


class DamagedOutOfRange(InvalidPosting):
    """Damaged units are part of the units received: 0 to received."""


class UnshippedLotTrackedUnits(InvalidPosting):
    """Lot-tracked units that were not shipped on a transfer cannot be received on it."""


class DifferenceUnexplained(InvalidPosting):
    """A transfer line received other than shipped needs its reason before finishing."""


class SameLocation(InvalidPosting):
    """A transfer goes from one location to another."""


class TtlOutOfRange(InvalidPosting):
    """A reservation's time to live is more than 0 and at most 366 days."""


class LocationCannotHoldReservations(InvalidPosting):
    """Reservations are made at active locations other than transit."""


class NothingToCount(InvalidPosting):
    """A count batch needs lines: a selection that matches stock, or open count requests."""


class KeyNotClaimed(Conflict):
    """A request key was taken and gone again at the same moment (pruned): send it again."""

    code = "key_not_claimed"


# --- stock requests ----------------------------------------------------------------------


class StockRequestWrongState(Conflict):
    """A stock request moves only along its state machine (draft -> submitted -> ...)."""

    code = "stock_request_wrong_state"


class StockRequestEmpty(InvalidPosting):
    """A stock request is submitted with at least one line."""

    code = "stock_request_empty"


class RequesterUnnamed(InvalidPosting):
    """A stock request names who asks: a location, a department, or both."""

    code = "requester_unnamed"


class SkuAlreadyRequested(InvalidPosting):
    """A stock request names each SKU once: change that line's quantity instead."""

    code = "sku_already_requested"


class RejectReasonRequired(InvalidPosting):
    """A rejected request says why, so the requester knows what to change."""

    code = "reason_required"


class NoDestination(InvalidPosting):
    """A request becomes a transfer only when it names the location the stock goes to."""

    code = "no_destination"


class NoSource(Conflict):
    """No location has any of the requested SKUs available to send or issue."""

    code = "no_source"


# --- adjustments in bulk, lot corrections -----------------------------------------------


class AdjustmentsRefused(InvalidPosting):
    """A bulk adjustment is posted whole or not at all: `details` names each refused line
    ({"items": [{index, sku, location, bin, lot, code, message}]})."""

    code = "adjustments_refused"

    def __init__(self, message: str, problems: list[dict]):
        super().__init__(message)
        self.details = {"items": problems}


class TooManyLines(InvalidPosting):
    """A bulk call carries a bounded number of lines: split a bigger one into calls."""

    code = "too_many_lines"


class ReasonNotChosenByPeople(InvalidPosting):
    """Some reason codes are set by the system (an import's opening balance), never by hand."""

    code = "reason_not_selectable"


class SameLot(InvalidPosting):
    """A lot correction moves units from one lot to another: the two lots differ."""

    code = "same_lot"


# --- holds, expiry, put-away and lot control over the API -------------------------------


class NotAnExpiredHold(HoldClosed):
    """Only an expired hold's units go to destruction or are written off as expired."""

    code = "not_an_expired_hold"


class NotADestructionLocation(InvalidPosting):
    """Expired units are moved for destruction into an active location of type destruction."""

    code = "not_a_destruction_location"


class AlreadyAtDestruction(Conflict):
    """Units at a destruction location wait to be destroyed there; they move no further."""

    code = "already_at_destruction"


class NotAReceivingBin(InvalidPosting):
    """A put-away task moves units from a receiving bin (where goods arrive) into storage."""

    code = "not_a_receiving_bin"


class NothingWaitingToPutAway(Conflict):
    """A put-away task covers units of a receiving bin that no open task covers yet."""

    code = "nothing_waiting_to_put_away"


class CommentEmpty(InvalidPosting):
    """A comment says something."""

    code = "comment_empty"


# --- selling channels, orders and backorders --------------------------------------------


class ChannelNotFound(NotFound):
    """No channel of this organisation has that code (or id)."""

    code = "channel_not_found"


class ChannelCodeTaken(Conflict):
    """Channel codes are unique in an organisation."""

    code = "channel_code_taken"


class ChannelFieldInvalid(InvalidPosting):
    """A channel's code is 1-32 letters, digits, '-' or '_'; its name 1-100 characters."""

    code = "channel_field_invalid"


class ChannelRuleInvalid(InvalidPosting):
    """A channel rule's buffer is 0 to 1,000,000 units and its share 1 to 100 percent."""

    code = "channel_rule_invalid"


class ChannelAtpExceeded(InsufficientStock):
    """A reserve on a channel takes no more than that channel's ATP at the location."""

    code = "channel_atp_exceeded"


class CoordinatesInvalid(InvalidPosting):
    """Latitude is -90 to 90 and longitude -180 to 180 degrees, both or neither."""

    code = "coordinates_invalid"


class OrderNotFound(NotFound):
    """No reservations or backorders carry that order reference."""

    code = "order_not_found"


class OrderCannotBeFilled(InsufficientStock):
    """No location, or set of locations, has every line of the order to promise."""

    code = "order_cannot_be_filled"


# --- orders and routing (helper "orders") --------------------------------------------------


class OrderReferenceTaken(Conflict):
    """An order reference is placed once: its reservations and backorders carry it."""

    code = "order_reference_taken"


class OrderClosed(Conflict):
    """Only an order with something open (reserved or on backorder) can be cancelled."""

    code = "order_closed"
