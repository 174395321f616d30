namespace ShawBot.Infrastructure.Discord.Gateway;

public enum GatewayOpCode
{
    Dispatch = 0,
    Heartbeat = 1,
    Identify = 2,
    PresenceUpdate = 3,
    Resume = 6,
    Reconnect = 7,
    InvalidSession = 9,
    Hello = 10,
    HeartbeatAck = 11,
}

/// <summary>What the client does after Discord closes the socket with a given code.</summary>
public enum CloseAction
{
    /// <summary>Reconnect and send Resume with the old session.</summary>
    Resume,
    /// <summary>Reconnect and Identify afresh: the session is gone.</summary>
    Identify,
    /// <summary>Reconnecting cannot help (bad token, intents, version): stop.</summary>
    Stop,
}

public static class GatewayCloseCodes
{
    public const int UnknownError = 4000;
    public const int UnknownOpcode = 4001;
    public const int DecodeError = 4002;
    public const int NotAuthenticated = 4003;
    public const int AuthenticationFailed = 4004;
    public const int AlreadyAuthenticated = 4005;
    public const int InvalidSeq = 4007;
    public const int RateLimited = 4008;
    public const int SessionTimedOut = 4009;
    public const int InvalidShard = 4010;
    public const int ShardingRequired = 4011;
    public const int InvalidApiVersion = 4012;
    public const int InvalidIntents = 4013;
    public const int DisallowedIntents = 4014;

    /// <summary>
    /// Close code → action, from Discord's close-code table. 4007 (invalid seq) and 4009 (session
    /// timed out) reconnect like the other recoverable codes, but Discord's table says the session is
    /// gone there, so we Identify rather than send a Resume that could only earn an op 9.
    /// Codes outside the 4000 range (1000/1001 from a proxy, 1006 abnormal) keep the session.
    /// </summary>
    public static CloseAction Classify(int? code) => code switch
    {
        AuthenticationFailed or InvalidShard or ShardingRequired or InvalidApiVersion or InvalidIntents or DisallowedIntents => CloseAction.Stop,
        InvalidSeq or SessionTimedOut => CloseAction.Identify,
        _ => CloseAction.Resume,
    };

    public static string Describe(int? code) => code switch
    {
        null => "connection lost",
        UnknownError => "unknown error",
        UnknownOpcode => "unknown opcode",
        DecodeError => "decode error",
        NotAuthenticated => "not authenticated",
        AuthenticationFailed => "authentication failed (check the bot token)",
        AlreadyAuthenticated => "already authenticated",
        InvalidSeq => "invalid seq",
        RateLimited => "rate limited",
        SessionTimedOut => "session timed out",
        InvalidShard => "invalid shard",
        ShardingRequired => "sharding required",
        InvalidApiVersion => "invalid API version",
        InvalidIntents => "invalid intents",
        DisallowedIntents => "disallowed intents (enable them in the developer portal)",
        _ => "other",
    };
}
