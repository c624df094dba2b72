"""The hotline over HTTP: its one route table (``backend.app`` adds it to the API's)."""

from __future__ import annotations

from hotline.handlers import calls, messages, open311, operator_work, routing, tickets
from hotline.handlers.calls import CALL_ID
from hotline.handlers.open311 import FMT
from hotline.handlers.operations import NUMBER


def default_handlers() -> list:
    return [
        (r"/api/v1/hotline/tickets", tickets.TicketsHandler),
        (rf"/api/v1/hotline/tickets/{NUMBER}", tickets.TicketHandler),
        *[(rf"/api/v1/hotline/tickets/{NUMBER}/{name}", handler) for name, handler in tickets.action_handlers()],
        (r"/api/v1/hotline/suggest", routing.SuggestHandler),
        (r"/api/v1/hotline/kb", routing.KnowledgeHandler),
        (r"/api/v1/hotline/callers/(?P<phone>[^/]+)/history", tickets.CallerHistoryHandler),
        (r"/api/v1/hotline/queue", tickets.QueueHandler),
        (r"/api/v1/hotline/overdue", tickets.OverdueHandler),
        (r"/api/v1/hotline/corrections", routing.CorrectionsHandler),
        (r"/api/v1/hotline/model/retrain", routing.RetrainHandler),
        (r"/api/v1/hotline/shifts", operator_work.ShiftsHandler),
        (r"/api/v1/hotline/shifts/(?P<shift_id>[^/]+)/notes", operator_work.HandoverHandler),
        (r"/api/v1/hotline/stats", operator_work.StatsHandler),
        (rf"/open311/v2/services{FMT}", open311.ServicesHandler),
        (rf"/open311/v2/services/(?P<code>[A-Za-z0-9_-]+){FMT}", open311.ServiceDefinitionHandler),
        (rf"/open311/v2/requests{FMT}", open311.RequestsHandler),
        (rf"/open311/v2/requests/{NUMBER}{FMT}", open311.RequestHandler),
        (rf"/open311/v2/tokens/(?P<token>[A-Za-z0-9_-]+){FMT}", open311.TokenHandler),
        (r"/api/v1/hotline/cti/events", calls.CtiEventsHandler),
        (r"/api/v1/hotline/cti/aliyun", calls.CtiAliyunHandler),
        (r"/api/v1/hotline/calls/live", calls.LiveCallsHandler),  # before {call_id}, which "live" matches too
        (rf"/api/v1/hotline/calls/{CALL_ID}", calls.CallHandler),
        (rf"/api/v1/hotline/calls/{CALL_ID}/tickets", calls.CallTicketsHandler),
        (r"/api/v1/hotline/messages", messages.MessagesHandler),
        (rf"/api/v1/hotline/messages/{NUMBER}", messages.MessageHandler),
    ]
