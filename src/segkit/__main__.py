from segkit.cli import app

app()
