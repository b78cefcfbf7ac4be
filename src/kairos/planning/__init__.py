"""Planning: forecast contacts per cube cell and interval, and the agents they need (Erlang C/A).

``forecast`` and ``staffing`` are libraries over plain data; ``service`` reads the history.
"""

from kairos.planning.forecast import Backtest, ContactRecord, VolumeForecast, backtest, forecast_day
from kairos.planning.staffing import MOT_TARGET, ServiceTarget, Staffing, erlang_a, erlang_c

__all__ = [
    "MOT_TARGET",
    "Backtest",
    "ContactRecord",
    "ServiceTarget",
    "Staffing",
    "VolumeForecast",
    "backtest",
    "erlang_a",
    "erlang_c",
    "forecast_day",
]
