"""The one Store: every query the bot makes, named for what it is for, over one SQLite file.

The SQL lives in one small module per concern; this class only puts them together.
"""

from __future__ import annotations

from storage.agencies import AgencyQueries
from storage.alerts import AlertQueries
from storage.announcements import AnnouncementQueries
from storage.assisted import AssistedQueries
from storage.awareness import AwarenessQueries
from storage.broker_reports import BrokerReportQueries
from storage.cases import CaseQueries
from storage.checkins import CheckinQueries
from storage.conversation_state import ConversationKey, PersistenceQueries
from storage.departures import DepartureQueries
from storage.documents import DocumentQueries
from storage.family import FamilyQueries
from storage.leaders import LeaderQueries
from storage.outbox import OutboxQueries
from storage.people import PeopleQueries
from storage.recordings import RecordingQueries
from storage.refreshers import RefresherQueries
from storage.relinks import RelinkQueries
from storage.reports import ReportQueries
from storage.views import ViewQueries
from storage.voice_answers import VoiceAnswerQueries


class Store(
    PeopleQueries,
    AwarenessQueries,
    DepartureQueries,
    LeaderQueries,
    AgencyQueries,
    BrokerReportQueries,
    CheckinQueries,
    DocumentQueries,
    AlertQueries,
    CaseQueries,
    FamilyQueries,
    OutboxQueries,
    ReportQueries,
    RelinkQueries,
    AssistedQueries,
    RecordingQueries,
    VoiceAnswerQueries,
    PersistenceQueries,
    RefresherQueries,
    AnnouncementQueries,
    ViewQueries,
):
    """Durable state of the bot. Open with ``await Store.open(path, clock)``."""


__all__ = ["ConversationKey", "Store"]
