import OmenServer
print(SessionSettings.serverVersion)
