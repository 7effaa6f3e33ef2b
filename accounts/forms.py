from django import forms

from residents import parsing


class UnlockForm(forms.Form):
    username = parsing.TextField(max_length=150)
