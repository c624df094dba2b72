// miniprogram-simulate installs the `wx`, `Component` and `Behavior` globals.
require('miniprogram-simulate')
