"""The web app: softphone, live assist, case files, supervisor wallboard, chat."""
