using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>
/// A moderator at the page's API for the crash tests: reads the queue of one host after the other and decides each
/// draft by <c>reject(comment text)</c>. A host that is down (killed, starting) is skipped for this round. A decision
/// whose answer was lost to a kill is sent again to the other host; 409 (already decided) then counts as done: the
/// same comment always gets the same decision.
/// </summary>
public sealed class WebApiModerator(HttpClient http, IReadOnlyList<int> ports, Func<string, bool> reject)
{
    private sealed record QueueItem(long DraftId, string CommentId, string Comment, string? Source);

    public HashSet<string> Approved { get; } = [];

    /// <summary>Decisions sent, answered or not: a host killed after committing one never answers it.</summary>
    public HashSet<string> ApproveSent { get; } = [];

    public HashSet<string> RejectSent { get; } = [];

    public HashSet<string> RejectedDecided { get; } = [];

    /// <summary>The source name the queue showed for each comment (the page's "source" field).</summary>
    public Dictionary<string, string?> SourceShown { get; } = [];

    /// <summary>Decisions answered 200 by each host, in the order of the ports.</summary>
    public int[] AcceptedBy { get; } = new int[ports.Count];

    /// <summary>The moderator's rule used by the crash tests: seed "c{i}: …" is rejected when i % <paramref name="every"/> == 0.</summary>
    public static bool EveryNthSeed(string comment, int every) =>
        int.Parse(comment[1..comment.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture) % every == 0;

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task RunAsync(CancellationToken stop)
    {
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            var port = ports[round % ports.Count];
            try
            {
                var queue = await http.GetFromJsonAsync<List<QueueItem>>(new Uri($"http://127.0.0.1:{port}/api/queue"), stop) ?? [];
                foreach (var item in queue)
                {
                    var rejected = reject(item.Comment);
                    lock (this)
                    {
                        (rejected ? RejectSent : ApproveSent).Add(item.CommentId);
                        SourceShown[item.CommentId] = item.Source;
                    }

                    var body = new StringContent($$"""{"kind":"{{(rejected ? "Reject" : "Approve")}}","moderator":"driver"}""", Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/api/drafts/{item.DraftId}/decision"), body, stop);
                    if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict)
                    {
                        lock (this)
                        {
                            (rejected ? RejectedDecided : Approved).Add(item.CommentId);
                            AcceptedBy[round % ports.Count] += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
                        }
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException && !stop.IsCancellationRequested)
            {
                // The host is down or was killed mid-request: the next round asks the other one. (A connection
                // to a host dying under it can surface as a bare SocketException from HttpClient's connect.)
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
