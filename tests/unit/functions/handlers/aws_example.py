# fmt: off
# The example handler of the EventBridge documentation, unchanged.
def lambda_handler(event, context):
    print(event['detail']['instance-id'])
