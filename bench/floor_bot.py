"""The floor: the least a python-telegram-bot bot can do for each update.

It answers every message with one message and an inline keyboard, and every button press with
answerCallbackQuery plus one message with a keyboard — the same number of Bot API calls as
Wegwijzer makes for a press (answer + edit) — and keeps no state, no store, no logs, no rate
limiter. Sequential processing, PTB defaults otherwise. Whatever Wegwijzer costs above this is
Wegwijzer's own.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT python bench/floor_bot.py
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

# FLOOR_TEXT_CHARS / FLOOR_BUTTONS make the floor's messages as big as the guide's (a node is
# about 1,100 characters with 6 buttons), so payload size, which PTB pays for, cancels out.
TEXT_CHARS = int(os.environ.get("FLOOR_TEXT_CHARS", "0"))
BUTTONS = max(3, int(os.environ.get("FLOOR_BUTTONS", "3")))
PADDING = ("Bel bij acuut gevaar 112. " * (TEXT_CHARS // 26 + 1))[:TEXT_CHARS]
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"Keuze {i + 1}: een label van redelijke lengte",
                           callback_data=f"o:floor:{i}:0000")] for i in range(BUTTONS - 2)]
    + [[InlineKeyboardButton("Acuut gevaar: 112", callback_data="g:sos")],
       [InlineKeyboardButton("Verlaten en wissen", callback_data="g:erase")]]
)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, f"Waar gaat het om?{PADDING}",
                                       reply_markup=KEYBOARD)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, f"U koos {query.data}.{PADDING}",
                                   reply_markup=KEYBOARD)


def main() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    api = os.environ["TELEGRAM_API_BASE_URL"]
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
    )
    if os.environ.get("FLOOR_RATE_LIMIT"):
        # floor-capped: the same limiter Wegwijzer ships with, for a like-for-like saturated figure
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    application = builder.build()
    application.add_handler(MessageHandler(filters.ALL, on_message))
    application.add_handler(CallbackQueryHandler(on_press))
    application.run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
