"""Telegram, one transport of the conversation service; the only package that imports `telegram`.

`app` builds the python-telegram-bot Application and runs it, `polling` fetches updates and
confirms each only once handled, `webhook` serves them over HTTPS instead, `updates` turns an
Update into an `Incoming` event, and `messenger` turns replies into Bot API calls and Telegram's
errors into the named outcomes of `bot.errors`.
"""
