"""The `make run` mail catcher prints emails decoded: a French email is read, not base64."""
import smtplib
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from marketplace.mail_catcher import PrintingHandler, readable
from tests.conftest import free_port


def _french_email():
    message = EmailMessage()
    message["From"] = "Agora <noreply@agora.example>"
    message["To"] = "owner@water.example.be"
    message["Subject"] = "Votre pitch a été reçu"
    message.set_content("Référence du reçu : AG-7K3F\nhttps://agora.example/pitches/1", charset="utf-8", cte="base64")
    message.add_alternative("<p>Référence du reçu</p>", subtype="html", charset="utf-8", cte="base64")
    return message


def test_readable_decodes_headers_and_text_and_names_the_rest():
    text = readable(_french_email().as_bytes())
    assert "Subject: Votre pitch a été reçu" in text
    assert "Référence du reçu : AG-7K3F" in text and "https://agora.example/pitches/1" in text
    assert "text/html" in text and "<p>" not in text


def test_the_catcher_prints_what_it_receives(capsys):
    port = free_port()
    controller = Controller(PrintingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(_french_email())
    finally:
        controller.stop()
    assert "Référence du reçu : AG-7K3F" in capsys.readouterr().out
